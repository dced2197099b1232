BEGIN
-- ;;
INSERT INTO t VALUES (1)
-- ;;
COMMIT
-- ;;
BEGIN WORK
-- ;;
UPDATE t SET begin = 1 WHERE end = 2
-- ;;
ROLLBACK
-- ;;
START TRANSACTION READ WRITE
-- ;;
SELECT begin, end FROM t
-- ;;
COMMIT
-- ;;
XA BEGIN 'x1'
-- ;;
XA END 'x1'
