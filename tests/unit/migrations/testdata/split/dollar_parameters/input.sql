PREPARE get_user (integer, text) AS SELECT * FROM users WHERE id = $1 AND name = $2;
EXECUTE get_user(1, '$1;$2');
CREATE TABLE t$1 (a$b$ int);
SELECT a$b$ FROM t$1;
