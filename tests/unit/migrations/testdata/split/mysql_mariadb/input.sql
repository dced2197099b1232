/*M!999999\- enable the sandbox mode */ 
-- MariaDB dump 10.19-11.4.3-MariaDB, for debian-linux-gnu (x86_64)

/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*M!100616 SET @OLD_NOTE_VERBOSITY=@@NOTE_VERBOSITY, NOTE_VERBOSITY=0 */;

-- MariaDB runs compound statements outside stored programs too.
BEGIN NOT ATOMIC
    DECLARE i INT DEFAULT 0;
    FOR r IN (SELECT id FROM orders) DO
        SET i = i + 1;
    END FOR;
    IF i > 0 THEN
        SELECT i;
    END IF;
END;
IF (SELECT COUNT(*) FROM orders) = 0 THEN
    INSERT INTO orders (total) VALUES (0);
END IF;
seed: FOR i IN 1..3 DO
    INSERT INTO counters VALUES (i);
END FOR seed;
CREATE OR REPLACE AGGREGATE FUNCTION agg_sum(x INT) RETURNS INT
BEGIN
    DECLARE total INT DEFAULT 0;
    DECLARE CONTINUE HANDLER FOR NOT FOUND RETURN total;
    LOOP
        FETCH GROUP NEXT ROW;
        SET total = total + x;
    END LOOP;
END;
SELECT * FROM orders FOR UPDATE;
/*M!100616 SET NOTE_VERBOSITY=@OLD_NOTE_VERBOSITY */;
