SELECT E'it\'s; escaped';
SELECT e'a backslash \\'; SELECT 'standard \';
SELECT E'mixed \' and '' quotes;';
SELECT U&'d\0061t\+000061; x';
SELECT E'doubled '' then escaped \'; still inside';
