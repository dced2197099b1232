CREATE TABLE t (id int)
-- ;;
INSERT INTO t VALUES (1)
-- ;;
SELECT 'a;b'
-- ;;
SELECT 2
