INSERT INTO notes VALUES (1, 'it\'s; fine', "say \"hi\"; twice", 'a\\', 'b');
INSERT INTO notes VALUES (2, 'doubled '' quote;', "doubled "" quote;", 'tab\tnew\nline;');
INSERT INTO notes VALUES (3, 'C:\\path\\', "ends with a backslash\\", _utf8mb4'x;' COLLATE utf8mb4_bin);
INSERT INTO notes VALUES (4, 'multi
line; string with -- and # and /* inside', X'3B', N'n;');
SELECT `semi;colon`, `back``tick;`, `it's`, $price, a$b FROM `odd;table`;
SELECT E'\';' AS not_an_e_string;
