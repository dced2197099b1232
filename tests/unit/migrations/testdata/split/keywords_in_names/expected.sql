CREATE TABLE trigger_log (begin_at TEXT, "begin" TEXT, [end] TEXT, atomic INT)
-- ;;
INSERT INTO trigger_log VALUES ('CREATE TRIGGER t BEGIN', 'x', 'y', 0)
-- ;;
SELECT 1
-- ;;
SELECT 2
