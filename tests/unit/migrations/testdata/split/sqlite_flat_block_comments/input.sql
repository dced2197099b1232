/* SQLite does not nest: /* this is not an opener;
*/
SELECT 1;
SELECT 2 /* /* */ + 3;
