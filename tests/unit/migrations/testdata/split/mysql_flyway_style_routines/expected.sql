DROP FUNCTION IF EXISTS order_total
-- ;;
CREATE FUNCTION order_total(p_order_id BIGINT) RETURNS DECIMAL(10,2)
    READS SQL DATA
    DETERMINISTIC
BEGIN
    DECLARE v_total DECIMAL(10,2) DEFAULT 0;
    SELECT COALESCE(SUM(qty * price), 0) INTO v_total FROM order_lines WHERE order_id = p_order_id;
    RETURN v_total;
END
-- ;;
DROP PROCEDURE IF EXISTS recalc_totals
-- ;;
CREATE PROCEDURE recalc_totals()
BEGIN
    DECLARE done INT DEFAULT FALSE;
    DECLARE v_id BIGINT;
    DECLARE cur CURSOR FOR SELECT id FROM orders;
    DECLARE CONTINUE HANDLER FOR NOT FOUND SET done = TRUE;
    OPEN cur;
    read_loop: LOOP
        FETCH cur INTO v_id;
        IF done THEN
            LEAVE read_loop;
        END IF;
        UPDATE orders SET total = order_total(v_id) WHERE id = v_id;
    END LOOP;
    CLOSE cur;
END
-- ;;
CALL recalc_totals()
-- ;;
DROP PROCEDURE recalc_totals
