"""The rules beyond the docs' examples: new tables, runs of several migrations, both databases."""

from __future__ import annotations

import pytest

from .conftest import Lint, rules, sql_file

TIMEOUT = "SET LOCAL lock_timeout = '5s';\n"


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE INDEX t_a ON t (a);",
        "ALTER TABLE t ADD COLUMN b int NOT NULL;",
        "ALTER TABLE t ADD COLUMN b uuid DEFAULT gen_random_uuid();",
        "ALTER TABLE t ALTER COLUMN a TYPE bigint;",
        "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0);",
        "ALTER TABLE t ALTER COLUMN a SET NOT NULL;",
        "ALTER TABLE t DROP COLUMN a;",
        "ALTER TABLE t RENAME COLUMN a TO b;",
        "DROP TABLE t;",
    ],
)
def test_a_table_created_in_the_run_is_new(lint: Lint, statement: str) -> None:
    assert lint("postgres", sql_file(f"CREATE TABLE t (a int);\n{statement}")) == []
    assert lint("postgres", sql_file("CREATE TABLE t (a int);"), sql_file(statement)) == []


def test_a_table_known_to_be_missing_is_new(lint: Lint) -> None:
    assert lint("postgres", sql_file("CREATE INDEX t_a ON t (a);"), existing_tables=["users"]) == []
    found = lint("postgres", sql_file(TIMEOUT + "CREATE INDEX t_a ON public.T (a);"), existing_tables=["t"])
    assert rules(found) == ["pg-index-not-concurrent"]


def test_a_rebuilt_table_holds_rows_again(lint: Lint) -> None:
    rebuild = (
        "CREATE TABLE t_new (a int);\nINSERT INTO t_new SELECT a FROM t;\nALTER TABLE t_new RENAME TO t2;"
    )
    found = lint("postgres", sql_file(TIMEOUT + rebuild), sql_file(TIMEOUT + "CREATE INDEX i ON t2 (a);"))
    assert "pg-index-not-concurrent" in rules(found)


@pytest.mark.parametrize(
    ("statement", "rule"),
    [
        ("ALTER TABLE t ADD COLUMN id bigserial;", "pg-volatile-default"),
        ("ALTER TABLE t ADD COLUMN id int GENERATED ALWAYS AS IDENTITY;", "pg-volatile-default"),
        ("ALTER TABLE t ADD COLUMN g int GENERATED ALWAYS AS (a * 2) STORED;", "pg-volatile-default"),
        ("ALTER TABLE t ADD COLUMN r float DEFAULT random() * 10;", "pg-volatile-default"),
        ("ALTER TABLE t ADD COLUMN at timestamptz DEFAULT clock_timestamp();", "pg-volatile-default"),
        ("ALTER TABLE t ADD COLUMN k int PRIMARY KEY;", "pg-add-column-not-null-without-default"),
        ("ALTER TABLE t ADD PRIMARY KEY (a);", "pg-index-not-concurrent"),
        ("ALTER TABLE t ADD CONSTRAINT u UNIQUE (a);", "pg-index-not-concurrent"),
        ("CREATE UNIQUE INDEX u ON t (a);", "pg-index-not-concurrent"),
        ("ALTER TABLE t ALTER COLUMN a TYPE text USING a::text;", "pg-column-type-rewrite"),
        ("ALTER TABLE t ALTER COLUMN a TYPE numeric(10, 2);", "pg-column-type-rewrite"),
        ("ALTER TABLE t RENAME TO u;", "rename-column-or-table"),
        ("DROP TABLE IF EXISTS a, t CASCADE;", "drop-column-or-table"),
    ],
)
def test_postgres_hazard(lint: Lint, statement: str, rule: str) -> None:
    assert rule in rules(lint("postgres", sql_file(TIMEOUT + statement)))


@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE t ADD COLUMN at timestamptz NOT NULL DEFAULT now();",
        "ALTER TABLE t ADD COLUMN at timestamptz DEFAULT CURRENT_TIMESTAMP;",
        "ALTER TABLE t ADD COLUMN n int NOT NULL DEFAULT 0;",
        "ALTER TABLE t ALTER COLUMN a TYPE varchar(300);",
        "ALTER TABLE t ADD CONSTRAINT u UNIQUE USING INDEX t_a_unique;",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);",
        "ALTER TABLE t ALTER COLUMN a SET DEFAULT 0;",
        "UPDATE t SET a = 0 WHERE a IS NULL;",
        "COMMENT ON COLUMN t.a IS 'why';",
    ],
)
def test_postgres_safe(lint: Lint, statement: str) -> None:
    header = "-- transactional: false\n" if "CONCURRENTLY" in statement else ""
    assert lint("postgres", sql_file(TIMEOUT.replace("LOCAL ", "") + statement, header=header)) == []


def test_lock_timeout_is_reported_once_at_the_first_locking_statement(lint: Lint) -> None:
    found = lint(
        "postgres", sql_file("CREATE TABLE n (a int);\nALTER TABLE t ADD a int;\nALTER TABLE u ADD b int;")
    )
    assert [(f.rule, f.line) for f in found] == [("pg-lock-timeout", 6)]


@pytest.mark.parametrize(
    "setting",
    [
        "SET lock_timeout TO '2s';",
        "SET lock_timeout = 2000;",
        "SELECT set_config('lock_timeout', '2s', true);",
    ],
)
def test_lock_timeout_forms(lint: Lint, setting: str) -> None:
    assert lint("postgres", sql_file(f"{setting}\nALTER TABLE t ADD a int;")) == []


@pytest.mark.parametrize(
    ("setting", "header"),
    [
        ("SET lock_timeout = 0;", ""),
        ("SET LOCAL lock_timeout = '2s';", "-- transactional: false\n"),  # gone after its statement
    ],
)
def test_lock_timeout_that_does_not_hold(lint: Lint, setting: str, header: str) -> None:
    found = lint("postgres", sql_file(f"{setting}\nALTER TABLE t ADD a int;", header=header))
    assert rules(found) == ["pg-lock-timeout"]


def test_lock_timeout_after_the_ddl_is_too_late(lint: Lint) -> None:
    found = lint("postgres", sql_file("ALTER TABLE t ADD a int;\n" + TIMEOUT))
    assert rules(found) == ["pg-lock-timeout"]


def test_set_not_null_after_a_check_validated_in_the_run(lint: Lint) -> None:
    first = sql_file(TIMEOUT + "ALTER TABLE t ADD CONSTRAINT c CHECK (a IS NOT NULL) NOT VALID;")
    second = sql_file("ALTER TABLE t VALIDATE CONSTRAINT c;")
    third = sql_file(TIMEOUT + "ALTER TABLE t ALTER COLUMN a SET NOT NULL;")
    assert lint("postgres", first, second, third) == []


@pytest.mark.parametrize("dialect", ["postgres", "mysql"])
@pytest.mark.parametrize(
    "data",
    [
        "UPDATE t SET a = 1;",
        "DELETE FROM t;",
        "INSERT INTO archive (a) SELECT a FROM t;",
    ],
)
def test_mixed_schema_and_data(lint: Lint, dialect: str, data: str) -> None:
    timeout = TIMEOUT if dialect == "postgres" else ""
    found = lint(dialect, sql_file(f"{timeout}ALTER TABLE t ADD COLUMN b int;\n{data}"))
    assert "mixed-schema-and-data" in rules(found)
    assert lint(dialect, sql_file(data)) == []


def test_seed_rows_next_to_a_new_table_are_not_a_backfill(lint: Lint) -> None:
    text = "CREATE TABLE t (a int);\nINSERT INTO t (a) VALUES (1), (2);\nUPDATE t SET a = a + 1;"
    assert lint("postgres", sql_file(text)) == []
    assert lint("mysql", sql_file(text)) == []


@pytest.mark.parametrize("dialect", ["postgres", "sqlite", "mysql"])
def test_drop_and_rename_on_every_database(lint: Lint, dialect: str) -> None:
    timeout = TIMEOUT if dialect == "postgres" else ""
    found = lint(dialect, sql_file(f"{timeout}DROP TABLE t;\nALTER TABLE u RENAME COLUMN a TO b;"))
    assert rules(found) == ["drop-column-or-table", "rename-column-or-table"]


def test_mysql_renames(lint: Lint) -> None:
    found = lint(
        "mysql", sql_file("ALTER TABLE t CHANGE COLUMN a b INT, CHANGE c c BIGINT;\nRENAME TABLE u TO v;")
    )
    assert [f.message for f in found] == ["column t.a is renamed to b", "table u is renamed to v"]


@pytest.mark.parametrize(
    ("statement", "rule"),
    [
        (
            "ALTER TABLE t ADD COLUMN b TEXT NOT NULL DEFAULT NULL;",
            "sqlite-add-column-not-null-without-default",
        ),
        ("ALTER TABLE t ADD b TEXT UNIQUE;", "sqlite-unsupported-alter"),
        ("ALTER TABLE t ADD COLUMN b TEXT DEFAULT CURRENT_TIMESTAMP;", "sqlite-unsupported-alter"),
        ("ALTER TABLE t ADD COLUMN b INT DEFAULT (1 + 1);", "sqlite-unsupported-alter"),
        ("ALTER TABLE t ADD COLUMN b INT AS (a * 2) STORED;", "sqlite-unsupported-alter"),
        ("ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0);", "sqlite-unsupported-alter"),
        ("ALTER TABLE t DROP CONSTRAINT c;", "sqlite-unsupported-alter"),
        ("ALTER TABLE t ADD COLUMN b INT, ADD COLUMN c INT;", "sqlite-unsupported-alter"),
        ('ALTER TABLE "t" DROP "a";', "sqlite-drop-column"),
        ("ALTER TABLE t RENAME TO t_old;\nDROP TABLE t_old;", "sqlite-rebuild-foreign-keys"),
    ],
)
def test_sqlite_hazard(lint: Lint, statement: str, rule: str) -> None:
    assert rule in rules(lint("sqlite", sql_file(statement)))


@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE t ADD COLUMN b TEXT NOT NULL DEFAULT '';",
        "ALTER TABLE t ADD COLUMN b INTEGER REFERENCES u (id);",
        "ALTER TABLE [t] RENAME TO [t2];\nALTER TABLE t2 RENAME TO t;",  # a rename of a rename: new name
        "CREATE TABLE n (a INT);\nALTER TABLE n ADD COLUMN b INT;",
        "INSERT INTO t (a) SELECT 1;",
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET a = 1; END;",
    ],
)
def test_sqlite_safe(lint: Lint, statement: str) -> None:
    found = [f for f in lint("sqlite", sql_file(statement)) if f.rule != "rename-column-or-table"]
    assert found == []


def test_sqlite_rebuild_in_a_transaction_cannot_turn_foreign_keys_off(lint: Lint) -> None:
    rebuild = (
        "PRAGMA foreign_keys = OFF;\nCREATE TABLE t_new (a INT);\nINSERT INTO t_new SELECT a FROM t;\n"
        "DROP TABLE t;\nALTER TABLE t_new RENAME TO t;"
    )
    [found] = lint("sqlite", sql_file(rebuild))
    assert found.rule == "sqlite-rebuild-foreign-keys"
    assert "inside the migration's transaction" in found.message
    assert found.line == 8  # the DROP
    assert lint("sqlite", sql_file(rebuild, header="-- transactional: false")) == []
