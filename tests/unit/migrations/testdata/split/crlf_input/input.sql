-- header comment; CRLF line endings
CREATE TABLE t (id int);
INSERT INTO t VALUES (1); -- one
SELECT 'a;b'
;
SELECT 2 -- no semicolon, the comment ends with CRLF
