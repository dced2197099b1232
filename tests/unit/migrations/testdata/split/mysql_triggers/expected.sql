CREATE TRIGGER orders_bi BEFORE INSERT ON orders
FOR EACH ROW
BEGIN
    IF NEW.total < 0 THEN
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'total must not be negative; got it';
    END IF;
    SET NEW.status = CASE WHEN NEW.status IS NULL THEN 'new' ELSE NEW.status END;
END
-- ;;
CREATE TRIGGER orders_bu BEFORE UPDATE ON orders FOR EACH ROW
IF NEW.total <> OLD.total THEN
    SET NEW.updated_at = NOW();
ELSE
    SET NEW.updated_at = OLD.updated_at;
END IF
-- ;;
CREATE TRIGGER orders_ad AFTER DELETE ON orders FOR EACH ROW DELETE FROM order_lines WHERE order_id = OLD.id
-- ;;
CREATE OR REPLACE DEFINER = 'app'@'10.0.0.%' TRIGGER orders_au AFTER UPDATE ON orders
FOR EACH ROW FOLLOWS orders_bu
BEGIN
    INSERT INTO audit (row_id, begin, `end`) VALUES (NEW.id, OLD.begin, NEW.end);
END
-- ;;
CREATE DEFINER=CURRENT_USER() TRIGGER t2 AFTER INSERT ON orders FOR EACH ROW BEGIN END
-- ;;
CREATE DEFINER=root@localhost TRIGGER t3 AFTER INSERT ON orders FOR EACH ROW BEGIN DO 1; END
-- ;;
CREATE TABLE event (begin DATETIME, end DATETIME)
-- ;;
INSERT INTO event VALUES (NOW(), NOW())
