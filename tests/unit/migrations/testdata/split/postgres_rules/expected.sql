CREATE RULE log_insert AS ON INSERT TO items
    DO ALSO (
        INSERT INTO audit VALUES (new.id, 'insert; (logged)');
        UPDATE counters SET n = n + 1 WHERE name = 'items';
    )
-- ;;
create or replace rule keep_items as on delete to items where (old.id > 0)
    do instead (update items set deleted = true where id = old.id; select 1)
-- ;;
CREATE RULE ignore_updates AS ON UPDATE TO frozen DO INSTEAD NOTHING
-- ;;
CREATE TABLE rules (id int)
-- ;;
SELECT 1
