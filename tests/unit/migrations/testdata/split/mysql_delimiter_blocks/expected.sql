CREATE PROCEDURE p1()
BEGIN
    SELECT 'a // b';  -- not the delimiter: in a string
    # nor in a comment: //
    SELECT 1;
END
-- ;;
CREATE PROCEDURE p2() SELECT 2
-- ;;
SELECT 'back to ;'
-- ;;
CREATE FUNCTION f() RETURNS INT DETERMINISTIC
BEGIN
    RETURN 1;
END
-- ;;
CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW BEGIN SET NEW.a = 1; END
-- ;;
SELECT `$$`, '$$', a$$b FROM t
-- ;;
SELECT 3;
SELECT 4
