CREATE TABLE [order;items] ([key;col] TEXT, `tick``;` INTEGER, "dq;" REAL);
SELECT [key;col] FROM [order;items];
