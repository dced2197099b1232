-- Compound statements as a driver receives them: no DELIMITER, ';' inside the bodies.
CREATE DEFINER=`admin`@`%` PROCEDURE archive_orders(IN cutoff DATE, OUT moved INT)
    MODIFIES SQL DATA
    COMMENT 'moves old orders; keeps the lines'
archive: BEGIN
    DECLARE done INT DEFAULT FALSE;
    DECLARE v_id BIGINT;
    DECLARE cur CURSOR FOR SELECT id FROM orders WHERE created_at < cutoff;
    DECLARE CONTINUE HANDLER FOR NOT FOUND SET done = TRUE;
    DECLARE EXIT HANDLER FOR SQLEXCEPTION
    BEGIN
        ROLLBACK;
        RESIGNAL;
    END;

    SET moved = 0;
    IF cutoff IS NULL THEN
        LEAVE archive;
    END IF;
    OPEN cur;
    read_loop: LOOP
        FETCH cur INTO v_id;
        IF done THEN
            LEAVE read_loop;
        ELSEIF v_id % 1000 = 0 THEN
            DO SLEEP(0);
        ELSE
            INSERT INTO orders_archive SELECT * FROM orders WHERE id = v_id;
        END IF;
        SET moved = moved + 1;
    END LOOP read_loop;
    CLOSE cur;
END archive;

CREATE FUNCTION order_band(total DECIMAL(10,2)) RETURNS VARCHAR(8) CHARSET utf8mb4
DETERMINISTIC
BEGIN
    DECLARE band VARCHAR(8);
    CASE
        WHEN total IS NULL THEN SET band = 'none';
        WHEN total < 10 THEN SET band = IF(total < 0, 'refund', 'small');
        ELSE
            SET band = CASE WHEN total < 100 THEN 'medium' ELSE 'large' END;
    END CASE;
    WHILE CHAR_LENGTH(band) < 8 DO
        SET band = CONCAT(band, REPEAT(' ', 1));
    END WHILE;
    REPEAT
        SET total = total / 2;
    UNTIL total < 1 END REPEAT;
    RETURN band;
END;

-- Without BEGIN the body is one statement, and so is the procedure.
CREATE PROCEDURE order_count() SELECT COUNT(*) FROM orders;
CREATE FUNCTION twice(x INT) RETURNS INT DETERMINISTIC RETURN IF(x IS NULL, 0, x * 2);
DROP PROCEDURE IF EXISTS legacy_cleanup;
CALL archive_orders('2020-01-01', @moved);
