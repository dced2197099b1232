CREATE TABLE "odd;name" ("col""with;quotes" text, "--not a comment" int, "/*" int)
-- ;;
SELECT "a;b" FROM "odd;name"
-- ;;
SELECT `back;tick` FROM t
