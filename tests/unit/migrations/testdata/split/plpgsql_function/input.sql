-- A PL/pgSQL trigger function: its body is full of ';' and quotes.
CREATE OR REPLACE FUNCTION touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RAISE NOTICE 'touched %; it''s done', NEW.id;
    RETURN NEW;
END;
$$;

-- A PostgreSQL trigger has no BEGIN ... END body of its own.
CREATE TRIGGER users_touch BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
