CREATE TRIGGER orders_status AFTER UPDATE OF status ON orders
FOR EACH ROW
WHEN NEW.status <> OLD.status
BEGIN
    INSERT INTO order_log (order_id, note) VALUES (
        NEW.id,
        CASE NEW.status
            WHEN 'paid' THEN 'paid; thanks'
            WHEN 'void' THEN 'voided'
            ELSE 'changed'
        END
    );
    UPDATE orders SET touched = CASE WHEN NEW.total > 100 THEN 1 ELSE 0 END WHERE id = NEW.id;
END;
CREATE INDEX orders_status_idx ON orders (status);
