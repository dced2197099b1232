CREATE EVENT IF NOT EXISTS purge_sessions
    ON SCHEDULE EVERY 1 HOUR STARTS CURRENT_TIMESTAMP + INTERVAL 1 HOUR
    ON COMPLETION PRESERVE
    COMMENT 'purge; hourly'
    DO BEGIN
        DELETE FROM sessions WHERE expires_at < NOW();
        INSERT INTO purge_log (ran_at) VALUES (NOW());
    END
-- ;;
CREATE EVENT one_shot ON SCHEDULE AT '2030-01-01 00:00:00' DO UPDATE settings SET v = 'x' WHERE k = 'y'
-- ;;
ALTER DEFINER = `ops`@`localhost` EVENT purge_sessions ON SCHEDULE EVERY 2 HOUR DO
    BEGIN
        DELETE FROM sessions WHERE expires_at < NOW() - INTERVAL 1 DAY;
    END
-- ;;
CREATE EVENT nightly ON SCHEDULE EVERY 1 DAY DO
    WHILE (SELECT COUNT(*) FROM queue) > 0 DO
        DELETE FROM queue ORDER BY id LIMIT 100;
    END WHILE
-- ;;
ALTER EVENT nightly DISABLE
