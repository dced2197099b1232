# A hash comment; with a semicolon
-- A dash comment; with a semicolon
--	a tab after the dashes is a comment too;
SELECT 1--1;
SELECT 2 --x;
SELECT 3 -- a comment after a statement's last token is not kept;
;
SELECT /*+ MAX_EXECUTION_TIME(1000) */ 4 /* kept: between tokens; */ + 5;
SELECT 6 /*!50100 , 7; */;
/* a block comment alone; */;
# nothing but comments;
/*!40101 SET NAMES utf8mb4 */;
/*!50003 CREATE TABLE t (a int); */ ;
SELECT 8 #;
;
SELECT 9--
