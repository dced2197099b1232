CREATE TABLE a (
    id integer, -- trailing; comment with 'quote
    /* inline; 'x' */ name text
)
-- ;;
SELECT 1
-- ;;
SELECT 2 /* ; */ + 3
-- ;;
SELECT 4
