-- The mysql client's DELIMITER: the line is not SQL, and ';' is ordinary until DELIMITER ; again.
DELIMITER //
CREATE PROCEDURE p1()
BEGIN
    SELECT 'a // b';  -- not the delimiter: in a string
    # nor in a comment: //
    SELECT 1;
END //
CREATE PROCEDURE p2() SELECT 2 //
DELIMITER ;

SELECT 'back to ;';

delimiter $$
CREATE FUNCTION f() RETURNS INT DETERMINISTIC
BEGIN
    RETURN 1;
END$$
  DELIMITER ;;
CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW BEGIN SET NEW.a = 1; END;;
DELIMITER ;
SELECT `$$`, '$$', a$$b FROM t;
DELIMITER |
-- a statement left without its delimiter at the end of the file is still one
SELECT 3;
SELECT 4
