INSERT INTO notes (body) VALUES ('one; two')
-- ;;
INSERT INTO notes (body) VALUES ('it''s; fine'), ('''quoted''')
-- ;;
INSERT INTO notes (body) VALUES ('-- not a comment'), ('/* nor this */'), ('"not an identifier;')
-- ;;
INSERT INTO notes (body) VALUES ('multi
line; string')
-- ;;
SELECT ''
