SELECT 1--1
-- ;;
SELECT 2 --x
-- ;;
SELECT 3
-- ;;
SELECT /*+ MAX_EXECUTION_TIME(1000) */ 4 /* kept: between tokens; */ + 5
-- ;;
SELECT 6 /*!50100 , 7; */
-- ;;
/*!40101 SET NAMES utf8mb4 */
-- ;;
/*!50003 CREATE TABLE t (a int); */
-- ;;
SELECT 8
-- ;;
SELECT 9
