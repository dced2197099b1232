CREATE FUNCTION make_fn() RETURNS void LANGUAGE plpgsql AS $outer$
BEGIN
    EXECUTE $inner$
        CREATE FUNCTION inner_fn() RETURNS text LANGUAGE sql AS $$ SELECT 'x;y' $$;
    $inner$;
    EXECUTE $_q1$ SELECT 1; $_q1$;
END;
$outer$;
DROP FUNCTION IF EXISTS make_fn;
