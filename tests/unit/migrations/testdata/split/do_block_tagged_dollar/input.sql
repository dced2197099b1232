DO $migrate$
DECLARE
    n integer;
BEGIN
    SELECT count(*) INTO n FROM users;
    IF n = 0 THEN
        INSERT INTO users (name) VALUES ('admin; root');
    END IF;
    -- a $$ here is only text inside the tagged quote; so is an unbalanced ' quote
    RAISE NOTICE '$$ is not the end';
END
$migrate$;
SELECT 1;
