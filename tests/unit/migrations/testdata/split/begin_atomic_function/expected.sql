CREATE FUNCTION grade(score integer) RETURNS text
LANGUAGE SQL
IMMUTABLE
BEGIN ATOMIC
    SELECT CASE
        WHEN score >= 90 THEN 'A; top'
        WHEN score >= 50 THEN 'pass'
        ELSE 'fail'
    END;
END
-- ;;
CREATE PROCEDURE insert_two(a integer, b integer)
LANGUAGE SQL
begin atomic
  INSERT INTO tbl VALUES (a);
  INSERT INTO tbl VALUES (b);
end
-- ;;
CALL insert_two(1, 2)
