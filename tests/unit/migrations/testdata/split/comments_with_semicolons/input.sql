-- leading comment; with a semicolon and a 'quote
/* block; comment "with" 'quotes' */
CREATE TABLE a (
    id integer, -- trailing; comment with 'quote
    /* inline; 'x' */ name text
);
SELECT 1; -- after; the statement, with a $$ and a "
SELECT 2 /* ; */ + 3;
SELECT 4 -- the ';' is on the next line
;
-- dangling comment at the end; 'it
