create temporary trigger log_delete after delete on items
begin
    -- old.end is a column named "end", not the end of the trigger
    insert into deleted (id, "end", note) values (old.id, old.end, 'gone; bye');
end
-- ;;
create temp trigger no_negative before insert on items begin select raise(abort, 'no; way') where new.qty < 0; end
-- ;;
select 1
