"""The corpus: bad inputs, one record each, with the exit code and the words sqlspec must answer with.

Unless a case says otherwise it starts from a database where ``0001_items.sql`` is applied (a table
with rows, an index and a version row), then writes its bad input into ``db/migrations`` and runs
``sqlspec --config <pkg>.config upgrade``. The few cases with ``exit_code == 0`` are inputs that
must work (a BOM, CRLF line endings, a very large file).
"""

from __future__ import annotations

import os
from contextlib import AbstractContextManager
from typing import Any

from sqlspec.dialects.postgres import advisory_key
from tests.bad_inputs.harness import (
    MIGRATIONS,
    OMIT,
    POSTGRES,
    SQLITE,
    Case,
    ConnectionChange,
    Prepare,
    Workspace,
    dsn_with,
    hold_advisory_lock,
    hold_sqlite_write_lock,
)

__all__ = ("BASELINE", "CASES")

M = MIGRATIONS

BASE_0001 = """-- revision: 0001
-- down_revision: None
-- description: Create items

-- upgrade --
CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL);
CREATE INDEX idx_items_name ON items (name);
INSERT INTO items (id, name) VALUES (1, 'apple');
INSERT INTO items (id, name) VALUES (2, 'pear');

-- downgrade --
DROP INDEX idx_items_name;
DROP TABLE items;
"""
BASELINE = {"0001_items.sql": BASE_0001}

GOOD_UP = "CREATE TABLE t2 (id INTEGER);\nINSERT INTO items (id, name) VALUES (3, 'plum');"
GOOD_DOWN = "DELETE FROM items WHERE id = 3;\nDROP TABLE t2;"
# Writes to existing data and the schema, then fails: "unchanged" means all of it was rolled back.
WRITES_THEN_FAILS = (
    "INSERT INTO items (id, name) VALUES (3, 'plum');\n"
    "UPDATE items SET name = 'changed';\n"
    "CREATE TABLE t2 (id INTEGER);\n"
    "SELECT * FROM no_such_table;"
)


def sql(
    revision: str = "0002",
    down: str = "0001",
    upgrade: str = GOOD_UP,
    downgrade: str | None = GOOD_DOWN,
    *,
    header: str | None = None,
) -> str:
    """A SQL migration in the guide's format; ``header`` replaces the three header lines."""
    if header is None:
        header = f"-- revision: {revision}\n-- down_revision: {down}\n-- description: Next step\n"
    text = f"{header}\n-- upgrade --\n{upgrade}\n"
    if downgrade is not None:
        text += f"\n-- downgrade --\n{downgrade}\n"
    return text


PY_GOOD = """
def upgrade(driver):
    driver.execute("CREATE TABLE t2 (id INTEGER)")
    driver.execute("INSERT INTO items (id, name) VALUES (3, 'plum')")


def downgrade(driver):
    driver.execute("DELETE FROM items WHERE id = 3")
    driver.execute("DROP TABLE t2")
"""


def py(
    revision: str = "0002", down: str = "0001", body: str = PY_GOOD, *, docstring: str | None = None
) -> str:
    """A Python migration with the guide's docstring header; ``docstring`` replaces the whole docstring."""
    if docstring is None:
        docstring = f'"""Next step\n\nRevision ID: {revision}\nDown Revision: {down}\n"""\n'
    return f"{docstring}\n{body}"


def _fails_after_writes(last_line: str, *, is_async: bool = False) -> str:
    """An ``upgrade`` that inserts a row and creates a table, then runs ``last_line`` (which fails)."""
    head, wait = ("async def", "await ") if is_async else ("def", "")
    return (
        f"\n{head} upgrade(driver):\n"
        f"    {wait}driver.execute(\"INSERT INTO items (id, name) VALUES (3, 'plum')\")\n"
        f'    {wait}driver.execute("CREATE TABLE t2 (id INTEGER)")\n'
        f"    {last_line}\n"
    )


# -- very large files -----------------------------------------------------------------------------

_PADDING = "-- " + "padding " * 9 + "\n"
LARGE_PADDING = _PADDING * 80_000  # ~6 MB of comment lines
BIG_INSERT = (
    "INSERT INTO big (id, label) VALUES\n"
    + ",\n".join(f"({i}, 'label number {i}')" for i in range(20_000))
    + ";"
)
BIG_ITEMS_INSERT = (
    "INSERT INTO items (id, name) VALUES\n"
    + ",\n".join(f"({i}, 'bulk {i}')" for i in range(100, 20_100))
    + ";"
)
LARGE_VALID = sql(
    upgrade=f"{LARGE_PADDING}CREATE TABLE big (id INTEGER PRIMARY KEY, label VARCHAR(40));\n{BIG_INSERT}\n"
    f"{LARGE_PADDING}",
    downgrade="DROP TABLE big;",
)
LARGE_FAILING = sql(
    upgrade=f"{BIG_ITEMS_INSERT}\n{LARGE_PADDING}CREATE TABLE t2 (id INTEGER);\n{LARGE_PADDING}"
    "SELECT * FROM no_such_table;"
)
LARGE_UNTERMINATED = sql(upgrade=f"{LARGE_PADDING}CREATE TABLE t2 (id INTEGER);\nSELECT 'never closed;")


# -- files that cannot be read --------------------------------------------------------------------


def _unreadable_by_mode(ws: Workspace) -> None:
    path = ws.migrations / "0002_next.sql"
    path.write_text(sql())
    path.chmod(0)


def _root_reads_anything() -> str | None:
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return "running as root, which reads a chmod 000 file anyway; unreadable-io-error covers it for root"
    return None


def _dangling_symlink(ws: Workspace) -> None:
    (ws.migrations / "0002_next.sql").symlink_to(ws.root / "gone" / "0002_next.sql")


def _symlink_loop(ws: Workspace) -> None:
    (ws.migrations / "0002_next.sql").symlink_to("0002_next.sql")


def _io_error(ws: Workspace) -> None:
    # A regular file that nobody, root included, can read: reading /proc/self/mem at offset 0 fails
    # with EIO (address 0 is never mapped).
    (ws.migrations / "0002_next.sql").symlink_to("/proc/self/mem")


def _proc_mem_readable() -> str | None:
    try:
        with open("/proc/self/mem", "rb") as memory:
            memory.read(1)
    except OSError:
        return None
    return "reading /proc/self/mem at offset 0 does not fail here"


# -- other setups ---------------------------------------------------------------------------------


def _remove_0001(ws: Workspace) -> None:
    (ws.migrations / "0001_items.sql").unlink()


def _garbage_database(ws: Workspace) -> None:
    (ws.root / "garbage.db").write_bytes(b"this is not a SQLite database, just some text " * 40)


def _foreign_version_table(ws: Workspace) -> None:
    ws.execute(
        "CREATE TABLE app_versions (id INTEGER, note VARCHAR(20))",
        "INSERT INTO app_versions (id, note) VALUES (1, 'ours, not sqlspec')",
    )


def _script_location_file(ws: Workspace) -> None:
    (ws.root / "db" / "not_a_folder").write_text("a file\n")


def _pyproject(text: str) -> Prepare:
    def prepare(ws: Workspace) -> None:
        (ws.root / "pyproject.toml").write_text(text)

    return prepare


def _broken_template(ws: Workspace) -> None:
    folder = ws.root / "templates"
    folder.mkdir()
    (folder / "migration.sql").write_text("-- revision: {revision}\n-- down_revision: {down_revision}\n")


def _latin1_template(ws: Workspace) -> None:
    folder = ws.root / "templates"
    folder.mkdir()
    (folder / "migration.sql").write_bytes(
        b"-- revision: {revision}\n-- down_revision: {down_revision}\n"
        b"-- description: caf\xe9\n\n-- upgrade --\n"
    )


def _corrupt_fix_journal(ws: Workspace) -> None:
    (ws.migrations / ".sqlspec-fix.json").write_text('[{"old_path": "truncated')


def _postgres_lock(ws: Workspace) -> AbstractContextManager[object]:
    return hold_advisory_lock(ws.target, advisory_key("sqlspec_version"))


def _sqlite_lock(ws: Workspace) -> AbstractContextManager[object]:
    return hold_sqlite_write_lock(ws.target)


def _unreachable(connection: dict[str, Any]) -> dict[str, Any]:
    return {"dsn": dsn_with(str(connection["dsn"]), port=1), "timeout": 2}


# The local server trusts every login, so a wrong password cannot be tested against it and pg_hba.conf
# is not ours to edit. A role that does not exist is the login refusal we can produce; a database
# that does not exist is the other half of "the login is refused".
def _no_such_role(connection: dict[str, Any]) -> dict[str, Any]:
    return {"dsn": dsn_with(str(connection["dsn"]), user="sqlspec_no_such_role")}


def _no_such_database(connection: dict[str, Any]) -> dict[str, Any]:
    return {"dsn": dsn_with(str(connection["dsn"]), database="sqlspec_no_such_database")}


def _bad_port_dsn(connection: dict[str, Any]) -> dict[str, Any]:
    return {"dsn": dsn_with(str(connection["dsn"]), port="notaport")}


def _with(**extra: object) -> ConnectionChange:
    def change(connection: dict[str, Any]) -> dict[str, Any]:
        return {**connection, **extra}

    return change


def _only(**values: object) -> ConnectionChange:
    def change(connection: dict[str, Any]) -> dict[str, Any]:
        return dict(values)

    return change


# Errors found by reading and parsing files, before any SQL runs, do not depend on the database: one
# case of each kind runs on both dialects, the rest on SQLite only, to keep the corpus fast.
FILES_ONLY = SQLITE

CASES: tuple[Case, ...] = (
    # -- malformed and missing headers ------------------------------------------------------------
    Case(
        name="sql-header-missing-revision",
        topic="header",
        files={"0002_next.sql": sql(header="-- down_revision: 0001\n-- description: Next\n")},
        exit_code=1,
        words=(f"{M}/0002_next.sql", "header has no revision"),
    ),
    Case(
        name="sql-header-revision-without-colon",
        topic="header",
        dialects=FILES_ONLY,
        files={"0002_next.sql": sql(header="-- revision 0002\n-- down_revision: 0001\n")},
        exit_code=1,
        words=(f"{M}/0002_next.sql", "header has no revision"),
    ),
    Case(
        name="sql-header-key-misspelt",
        topic="header",
        dialects=FILES_ONLY,
        files={"0002_next.sql": sql(header="-- revison: 0002\n-- down_revision: 0001\n")},
        exit_code=1,
        words=(f"{M}/0002_next.sql", "unknown header key 'revison'; did you mean 'revision'?"),
    ),
    Case(
        name="sql-header-empty-revision",
        topic="header",
        dialects=FILES_ONLY,
        files={"0002_next.sql": sql(header="-- revision:\n-- down_revision: 0001\n")},
        exit_code=1,
        words=(f"{M}/0002_next.sql", "header has no revision"),
    ),
    Case(
        name="sql-header-missing-down-revision",
        topic="header",
        dialects=FILES_ONLY,
        files={"0002_next.sql": sql(header="-- revision: 0002\n-- description: Next\n")},
        exit_code=1,
        words=(f"{M}/0002_next.sql", "no down_revision", "'None' for the first migration"),
    ),
    Case(
        name="sql-header-absent",
        topic="header",
        dialects=FILES_ONLY,
        files={"0002_next.sql": "-- upgrade --\nCREATE TABLE t2 (id INTEGER);\n"},
        exit_code=1,
        words=(f"{M}/0002_next.sql", "header has no revision"),
    ),
    Case(
        name="sql-header-bad-transactional",
        topic="header",
        dialects=FILES_ONLY,
        files={
            "0002_next.sql": sql(
                header="-- revision: 0002\n-- down_revision: 0001\n-- transactional: maybe\n"
            )
        },
        exit_code=1,
        words=(f"{M}/0002_next.sql", "transactional must be true or false", "'maybe'"),
    ),
    Case(
        name="py-header-no-docstring",
        topic="header",
        dialects=FILES_ONLY,
        files={"0002_next.py": py(docstring="# Revision ID: 0002\n# Down Revision: 0001\n")},
        exit_code=1,
        words=(f"{M}/0002_next.py", "no module docstring", "Revision ID:"),
    ),
    Case(
        name="py-header-missing-revision-id",
        topic="header",
        dialects=FILES_ONLY,
        files={"0002_next.py": py(docstring='"""Next step\n\nDown Revision: 0001\n"""\n')},
        exit_code=1,
        words=(f"{M}/0002_next.py", "header has no revision"),
    ),
    Case(
        name="py-header-missing-down-revision",
        topic="header",
        dialects=FILES_ONLY,
        files={"0002_next.py": py(docstring='"""Next step\n\nRevision ID: 0002\n"""\n')},
        exit_code=1,
        words=(f"{M}/0002_next.py", "no 'Down Revision:'"),
    ),
    # -- a missing or misplaced section -----------------------------------------------------------
    Case(
        name="sql-no-sections",
        topic="section",
        files={"0002_next.sql": "-- revision: 0002\n-- down_revision: 0001\n-- description: Next\n"},
        exit_code=1,
        words=(f"{M}/0002_next.sql", "no '-- upgrade --' section"),
    ),
    Case(
        name="sql-only-downgrade-section",
        topic="section",
        dialects=FILES_ONLY,
        files={
            "0002_next.sql": "-- revision: 0002\n-- down_revision: 0001\n\n-- downgrade --\nDROP TABLE t2;\n"
        },
        exit_code=1,
        words=(f"{M}/0002_next.sql", "no '-- upgrade --' section"),
    ),
    Case(
        name="sql-downgrade-before-upgrade",
        topic="section",
        dialects=FILES_ONLY,
        files={
            "0002_next.sql": "-- revision: 0002\n-- down_revision: 0001\n\n-- downgrade --\nDROP TABLE t2;\n"
            "\n-- upgrade --\nCREATE TABLE t2 (id INTEGER);\n"
        },
        exit_code=1,
        words=(f"{M}/0002_next.sql:7", "'-- upgrade --' must come before '-- downgrade --'"),
    ),
    Case(
        name="sql-second-upgrade-section",
        topic="section",
        dialects=FILES_ONLY,
        files={"0002_next.sql": sql(downgrade=None) + "\n-- upgrade --\nCREATE TABLE t3 (id INTEGER);\n"},
        exit_code=1,
        words=(f"{M}/0002_next.sql:9", "second '-- upgrade --' section"),
    ),
    Case(
        name="sql-statement-before-upgrade-marker",
        topic="section",
        dialects=FILES_ONLY,
        files={
            "0002_next.sql": "-- revision: 0002\n-- down_revision: 0001\nCREATE TABLE t2 (id INTEGER);\n"
            "\n-- upgrade --\nSELECT 1;\n"
        },
        exit_code=1,
        words=(f"{M}/0002_next.sql:3", "SQL before the '-- upgrade --' marker"),
    ),
    # -- revision vs file name --------------------------------------------------------------------
    Case(
        name="sql-revision-mismatch",
        topic="mismatch",
        files={"0002_next.sql": sql(revision="0003")},
        exit_code=1,
        words=(f"{M}/0002_next.sql", "header says revision 0003 but the file name says 0002"),
    ),
    Case(
        name="sql-revision-unpadded",
        topic="mismatch",
        dialects=FILES_ONLY,
        files={"0002_next.sql": sql(revision="2")},
        exit_code=1,
        words=(f"{M}/0002_next.sql", "header says revision 2 but the file name says 0002"),
    ),
    Case(
        name="py-revision-mismatch",
        topic="mismatch",
        dialects=FILES_ONLY,
        files={"0002_next.py": py(revision="0007")},
        exit_code=1,
        words=(f"{M}/0002_next.py", "header says revision 0007 but the file name says 0002"),
    ),
    Case(
        name="sql-down-revision-is-itself",
        topic="mismatch",
        dialects=FILES_ONLY,
        files={"0002_next.sql": sql(down="0002")},
        exit_code=1,
        words=(f"{M}/0002_next.sql", "down_revision 0002 is the migration's own revision"),
    ),
    Case(
        name="name-hyphen-in-slug",
        topic="file-name",
        files={"0002_add-prices.sql": sql()},
        exit_code=1,
        words=(f"{M}/0002_add-prices.sql", "file name must be NNNN_slug.sql|py"),
    ),
    Case(
        name="name-without-slug",
        topic="file-name",
        dialects=FILES_ONLY,
        files={"0002.sql": sql()},
        exit_code=1,
        words=(f"{M}/0002.sql", "file name must be"),
    ),
    Case(
        name="name-non-ascii-slug",
        topic="file-name",
        dialects=FILES_ONLY,
        files={"0002_café.sql": sql()},
        exit_code=1,
        words=(f"{M}/0002_café.sql", "file name must be"),
    ),
    Case(
        name="name-letter-prefix",
        topic="file-name",
        dialects=FILES_ONLY,
        files={"v0002_next.sql": sql()},
        exit_code=1,
        words=(f"{M}/v0002_next.sql", "file name must be"),
    ),
    # -- duplicate revisions ----------------------------------------------------------------------
    Case(
        name="duplicate-two-sql-files",
        topic="duplicate",
        files={"0002_a.sql": sql(), "0002_b.sql": sql()},
        exit_code=1,
        words=("revision 0002 is defined by more than one file", "0002_a.sql", "0002_b.sql"),
    ),
    Case(
        name="duplicate-sql-and-py",
        topic="duplicate",
        dialects=FILES_ONLY,
        files={"0002_next.sql": sql(), "0002_next.py": py()},
        exit_code=1,
        words=("revision 0002 is defined by more than one file", "0002_next.py", "0002_next.sql"),
    ),
    Case(
        name="duplicate-of-applied-revision",
        topic="duplicate",
        files={"0001_other.sql": sql(revision="0001", down="None")},
        exit_code=1,
        words=("revision 0001 is defined by more than one file", "0001_items.sql", "0001_other.sql"),
    ),
    Case(
        name="duplicate-numerically-equal",
        topic="duplicate",
        dialects=FILES_ONLY,
        files={"2_two.sql": sql(revision="2"), "0002_next.sql": sql()},
        exit_code=1,
        words=("more than one file", "2_two.sql", "0002_next.sql"),
    ),
    # -- a broken chain: a cycle, an unknown down_revision, a fork --------------------------------
    Case(
        name="chain-unknown-down-revision",
        topic="chain",
        files={"0002_next.sql": sql(down="0099")},
        exit_code=1,
        words=(f"{M}/0002_next.sql", "down_revision 0099 matches no migration file", "it should be 0001"),
    ),
    Case(
        name="chain-cycle-sequential",
        topic="chain",
        files={"0002_next.sql": sql(down="0003"), "0003_more.sql": sql(revision="0003", down="0002")},
        exit_code=1,
        words=(f"{M}/0002_next.sql", "down_revision is 0003 but the migration before it is 0001"),
    ),
    Case(
        name="chain-cycle-timestamps",
        topic="chain",
        files={
            "20250101000000_a.sql": sql(revision="20250101000000", down="20250102000000"),
            "20250102000000_b.sql": sql(
                revision="20250102000000", down="20250101000000", upgrade="SELECT 1;", downgrade="SELECT 1;"
            ),
        },
        exit_code=1,
        words=(f"{M}/20250101000000_a.sql", "down_revision 20250102000000 runs after this migration"),
    ),
    Case(
        name="chain-timestamp-unknown-down-revision",
        topic="chain",
        files={"20250101000000_a.sql": sql(revision="20250101000000", down="20240101000000")},
        exit_code=1,
        words=("20250101000000_a.sql", "down_revision 20240101000000 matches no migration file"),
    ),
    Case(
        name="chain-fork",
        topic="chain",
        files={
            "0002_next.sql": sql(),
            "0003_other.sql": sql(revision="0003", upgrade="SELECT 1;", downgrade="SELECT 1;"),
        },
        exit_code=1,
        words=(f"{M}/0003_other.sql", "down_revision is 0001 but the migration before it is 0002"),
    ),
    Case(
        name="chain-second-base",
        topic="chain",
        files={"0002_next.sql": sql(down="None")},
        exit_code=1,
        words=(f"{M}/0002_next.sql", "down_revision is None but the migration before it is 0001"),
    ),
    Case(
        name="chain-applied-file-deleted",
        topic="chain",
        files={"0002_next.sql": sql()},
        prepare=_remove_0001,
        exit_code=1,
        words=("0001", "applied but its file is missing", "restore the file"),
    ),
    # -- encodings --------------------------------------------------------------------------------
    Case(
        name="sql-latin1-byte",
        topic="encoding",
        files={
            "0002_next.sql": sql(
                header="-- revision: 0002\n-- down_revision: 0001\n-- description: café\n"
            ).encode("latin-1")
        },
        exit_code=1,
        words=(f"{M}/0002_next.sql:3", "not valid UTF-8"),
    ),
    Case(
        name="sql-invalid-byte-in-statement",
        topic="encoding",
        dialects=FILES_ONLY,
        files={
            "0002_next.sql": sql(upgrade="INSERT INTO items (id, name) VALUES (3, 'x\udcff');").encode(
                "utf-8", "surrogateescape"
            )
        },
        exit_code=1,
        words=(f"{M}/0002_next.sql:6", "not valid UTF-8"),
    ),
    Case(
        name="sql-utf16",
        topic="encoding",
        dialects=FILES_ONLY,
        files={"0002_next.sql": sql().encode("utf-16")},
        exit_code=1,
        words=(f"{M}/0002_next.sql:1", "not valid UTF-8", "save it as UTF-8"),
    ),
    Case(
        name="py-latin1-byte",
        topic="encoding",
        dialects=FILES_ONLY,
        files={"0002_next.py": py(body="\n# caf\xe9\n" + PY_GOOD).encode("latin-1")},
        exit_code=1,
        words=(f"{M}/0002_next.py:8", "not valid UTF-8"),
    ),
    Case(
        name="py-nul-byte",
        topic="encoding",
        dialects=FILES_ONLY,
        files={"0002_next.py": py(body=PY_GOOD + "\nX = 1\0\n")},
        exit_code=1,
        words=(f"{M}/0002_next.py", "null bytes"),
    ),
    Case(
        name="sql-nul-byte-in-statement",
        topic="encoding",
        files={"0002_next.sql": sql(upgrade="INSERT INTO items (id, name) VALUES (3, 'nul\0here');")},
        exit_code=1,
        words=(f"{M}/0002_next.sql", "upgrade of 0002 failed", "rolled back"),
    ),
    # -- empty files ------------------------------------------------------------------------------
    Case(
        name="empty-sql",
        topic="empty",
        files={"0002_next.sql": b""},
        exit_code=1,
        words=(f"{M}/0002_next.sql", "file is empty"),
    ),
    Case(
        name="empty-sql-whitespace-only",
        topic="empty",
        dialects=FILES_ONLY,
        files={"0002_next.sql": " \n\t\n\r\n"},
        exit_code=1,
        words=(f"{M}/0002_next.sql", "file is empty"),
    ),
    Case(
        name="empty-sql-bom-only",
        topic="empty",
        dialects=FILES_ONLY,
        files={"0002_next.sql": b"\xef\xbb\xbf"},
        exit_code=1,
        words=(f"{M}/0002_next.sql", "file is empty"),
    ),
    Case(
        name="empty-py",
        topic="empty",
        dialects=FILES_ONLY,
        files={"0002_next.py": b""},
        exit_code=1,
        words=(f"{M}/0002_next.py", "file is empty"),
    ),
    # -- must work: a byte-order mark, CRLF and other line endings --------------------------------
    Case(
        name="bom-sql",
        topic="bom",
        files={"0002_next.sql": b"\xef\xbb\xbf" + sql().encode()},
        exit_code=0,
        words=("Applied 1 migration(s)",),
        applies=("0002",),
        creates=("t2",),
        same_checksum_as=sql(),
    ),
    Case(
        name="bom-py",
        topic="bom",
        files={"0002_next.py": b"\xef\xbb\xbf" + py().encode()},
        exit_code=0,
        words=("Applied 1 migration(s)",),
        applies=("0002",),
        creates=("t2",),
        same_checksum_as=py(),
    ),
    Case(
        name="crlf-sql",
        topic="crlf",
        files={"0002_next.sql": sql().replace("\n", "\r\n")},
        exit_code=0,
        words=("Applied 1 migration(s)",),
        applies=("0002",),
        creates=("t2",),
        same_checksum_as=sql(),
    ),
    Case(
        name="crlf-py",
        topic="crlf",
        files={"0002_next.py": py().replace("\n", "\r\n")},
        exit_code=0,
        words=("Applied 1 migration(s)",),
        applies=("0002",),
        creates=("t2",),
        same_checksum_as=py(),
    ),
    Case(
        name="crlf-and-bom-sql",
        topic="crlf",
        files={"0002_next.sql": b"\xef\xbb\xbf" + sql().replace("\n", "\r\n").encode()},
        exit_code=0,
        words=("Applied 1 migration(s)",),
        applies=("0002",),
        creates=("t2",),
        same_checksum_as=sql(),
    ),
    Case(
        name="cr-only-sql",
        topic="crlf",
        files={"0002_next.sql": sql(upgrade="-- a comment line\n" + GOOD_UP).replace("\n", "\r")},
        exit_code=0,
        words=("Applied 1 migration(s)",),
        applies=("0002",),
        creates=("t2",),
        same_checksum_as=sql(upgrade="-- a comment line\n" + GOOD_UP),
    ),
    Case(
        name="mixed-line-endings-sql",
        topic="crlf",
        files={"0002_next.sql": sql().replace("\n", "\r\n", 4)},
        exit_code=0,
        words=("Applied 1 migration(s)",),
        applies=("0002",),
        creates=("t2",),
        same_checksum_as=sql(),
    ),
    # -- very large files -------------------------------------------------------------------------
    Case(
        name="large-valid-sql",
        topic="large",
        files={"0002_big.sql": LARGE_VALID},
        exit_code=0,
        words=("Applied 1 migration(s)",),
        applies=("0002",),
        creates=("big",),
    ),
    Case(
        name="large-sql-failing-last-statement",
        topic="large",
        files={"0002_big.sql": LARGE_FAILING},
        exit_code=1,
        words=(f"{M}/0002_big.sql", "upgrade of 0002 failed", "statement 3", "no_such_table", "rolled back"),
    ),
    Case(
        name="large-sql-unterminated-string",
        topic="large",
        files={"0002_big.sql": LARGE_UNTERMINATED},
        exit_code=1,
        words=(f"{M}/0002_big.sql", "upgrade section", "unterminated string"),
    ),
    # -- SQL that cannot run ----------------------------------------------------------------------
    Case(
        name="sql-failing-statement",
        topic="sql",
        files={"0002_next.sql": sql(upgrade=WRITES_THEN_FAILS)},
        exit_code=1,
        words=(f"{M}/0002_next.sql", "upgrade of 0002 failed", "statement 4", "no_such_table", "rolled back"),
    ),
    Case(
        name="sql-unterminated-string",
        topic="sql",
        files={
            "0002_next.sql": sql(upgrade="CREATE TABLE t2 (id INTEGER);\nINSERT INTO items VALUES (3, 'x);")
        },
        exit_code=1,
        words=(f"{M}/0002_next.sql:7", "unterminated string"),
    ),
    Case(
        name="sql-unterminated-comment",
        topic="sql",
        files={"0002_next.sql": sql(upgrade="CREATE TABLE t2 (id INTEGER);\n/* never closed")},
        exit_code=1,
        words=(f"{M}/0002_next.sql", "unterminated /* comment"),
    ),
    Case(
        name="sql-unterminated-dollar-quote",
        topic="sql",
        dialects=POSTGRES,
        files={"0002_next.sql": sql(upgrade="CREATE TABLE t2 (id INTEGER);\nDO $body$ BEGIN NULL; END;")},
        exit_code=1,
        words=(f"{M}/0002_next.sql", "unterminated dollar-quoted string $body$"),
    ),
    Case(
        name="sql-concurrently-in-transaction",
        topic="sql",
        dialects=POSTGRES,
        files={"0002_next.sql": sql(upgrade="CREATE INDEX CONCURRENTLY idx_items_id ON items (id);")},
        exit_code=1,
        words=(f"{M}/0002_next.sql", "CREATE INDEX CONCURRENTLY", "transactional: false"),
    ),
    Case(
        name="sql-vacuum-in-transaction",
        topic="sql",
        files={"0002_next.sql": sql(upgrade="DELETE FROM items;\nVACUUM;")},
        exit_code=1,
        words=(f"{M}/0002_next.sql", "statement 2 (VACUUM) cannot run inside a transaction"),
    ),
    Case(
        name="sql-downgrade-fails",
        topic="sql",
        baseline={
            **BASELINE,
            "0002_next.sql": sql(downgrade="DELETE FROM items;\nDROP TABLE no_such_table;\nDROP TABLE t2;"),
        },
        argv=("downgrade", "-1", "--no-prompt"),
        exit_code=1,
        words=(f"{M}/0002_next.sql", "downgrade of 0002 failed", "statement 2", "rolled back"),
    ),
    # -- Python migrations ------------------------------------------------------------------------
    Case(
        name="py-syntax-error",
        topic="python-syntax",
        files={"0002_next.py": py(body="\ndef upgrade(driver)\n    pass\n")},
        exit_code=1,
        words=(f"{M}/0002_next.py:8", "Python syntax error"),
    ),
    Case(
        name="py-indentation-error",
        topic="python-syntax",
        files={"0002_next.py": py(body="\ndef upgrade(driver):\nreturn None\n")},
        exit_code=1,
        words=(f"{M}/0002_next.py:9", "Python syntax error"),
    ),
    Case(
        name="py-import-error",
        topic="python-import",
        files={"0002_next.py": py(body="\nimport sqlspec_no_such_module\n" + PY_GOOD)},
        exit_code=1,
        words=(f"{M}/0002_next.py", "importing it failed", "ModuleNotFoundError", "sqlspec_no_such_module"),
    ),
    Case(
        name="py-raises-at-import",
        topic="python-import",
        files={"0002_next.py": py(body='\nraise RuntimeError("broken at import")\n' + PY_GOOD)},
        exit_code=1,
        words=(f"{M}/0002_next.py", "importing it failed", "RuntimeError: broken at import"),
    ),
    Case(
        name="py-no-upgrade",
        topic="python-no-upgrade",
        files={"0002_next.py": py(body="\ndef downgrade(driver):\n    pass\n")},
        exit_code=1,
        words=(f"{M}/0002_next.py", "no upgrade(driver) function"),
    ),
    Case(
        name="py-upgrade-not-a-function",
        topic="python-no-upgrade",
        files={"0002_next.py": py(body="\nupgrade = 5\n")},
        exit_code=1,
        words=(f"{M}/0002_next.py", "no upgrade(driver) function"),
    ),
    Case(
        name="py-upgrade-raises",
        topic="python-exception",
        files={"0002_next.py": py(body=_fails_after_writes('raise ValueError("boom in upgrade")'))},
        exit_code=1,
        words=(f"{M}/0002_next.py", "upgrade of 0002 failed", "ValueError: boom in upgrade", "rolled back"),
    ),
    Case(
        name="py-async-upgrade-raises",
        topic="python-exception",
        files={"0002_next.py": py(body=_fails_after_writes('raise KeyError("no such key")', is_async=True))},
        exit_code=1,
        words=(f"{M}/0002_next.py", "upgrade of 0002 failed", "KeyError", "rolled back"),
    ),
    Case(
        name="py-upgrade-bad-sql",
        topic="python-exception",
        files={"0002_next.py": py(body=_fails_after_writes('driver.execute("SELECT * FROM no_such_table")'))},
        exit_code=1,
        words=(f"{M}/0002_next.py", "upgrade of 0002 failed", "no_such_table", "rolled back"),
    ),
    Case(
        name="py-upgrade-wrong-signature",
        topic="python-exception",
        files={"0002_next.py": py(body="\ndef upgrade():\n    pass\n")},
        exit_code=1,
        words=(f"{M}/0002_next.py", "upgrade of 0002 failed", "TypeError", "rolled back"),
    ),
    Case(
        name="py-upgrade-calls-sys-exit",
        topic="python-exception",
        files={"0002_next.py": py(body="\nimport sys\n" + _fails_after_writes("sys.exit(0)"))},
        exit_code=1,
        words=(f"{M}/0002_next.py", "upgrade of 0002 failed", "SystemExit", "rolled back"),
    ),
    Case(
        name="py-downgrade-raises",
        topic="python-exception",
        baseline={
            **BASELINE,
            "0002_next.py": py(
                body=PY_GOOD.replace(
                    '    driver.execute("DROP TABLE t2")',
                    '    driver.execute("DROP TABLE t2")\n    raise OSError("disk")',
                )
            ),
        },
        argv=("downgrade", "-1", "--no-prompt"),
        exit_code=1,
        words=(f"{M}/0002_next.py", "downgrade of 0002 failed", "OSError: disk", "rolled back"),
    ),
    # -- a version table name that tries SQL injection ---------------------------------------------
    Case(
        name="version-table-semicolon-injection",
        topic="injection",
        migration={"version_table": "sqlspec_version; DROP TABLE items; --"},
        exit_code=2,
        words=("'version_table' must be a plain identifier", "DROP TABLE items"),
    ),
    Case(
        name="version-table-quote-injection",
        topic="injection",
        migration={"version_table": 'sqlspec_version" (x INTEGER); DROP TABLE items; --'},
        exit_code=2,
        words=("'version_table' must be a plain identifier",),
    ),
    Case(
        name="version-table-schema-injection",
        topic="injection",
        migration={"version_table": "public.items WHERE 1=1; --"},
        exit_code=2,
        words=("'version_table' must be a plain identifier",),
    ),
    Case(
        name="version-table-three-parts",
        topic="injection",
        migration={"version_table": "a.b.c"},
        exit_code=2,
        words=("'version_table' must be a plain identifier", "'a.b.c'"),
    ),
    Case(
        name="version-table-empty",
        topic="injection",
        migration={"version_table": ""},
        exit_code=2,
        words=("'version_table' must be a plain identifier",),
    ),
    # -- unknown config keys and wrong types ------------------------------------------------------
    Case(
        name="config-unknown-key",
        topic="config-key",
        dialects=SQLITE,
        migration={"script_locaton": "db/other"},
        exit_code=2,
        words=("migration_config", "unknown key 'script_locaton'", "valid keys: script_location"),
    ),
    Case(
        name="config-unknown-extension",
        topic="config-key",
        dialects=SQLITE,
        migration={"include_extensions": ["no_such_extension"]},
        exit_code=2,
        words=("unknown extension 'no_such_extension'", "available: litestar"),
    ),
    Case(
        name="config-lock-timeout-string",
        topic="config-type",
        dialects=SQLITE,
        migration={"lock_timeout": "10"},
        exit_code=2,
        words=("'lock_timeout': expected `float`, got `str`",),
    ),
    Case(
        name="config-script-location-int",
        topic="config-type",
        dialects=SQLITE,
        migration={"script_location": 123},
        exit_code=2,
        words=("'script_location': expected `str`, got `int`",),
    ),
    Case(
        name="config-include-extensions-string",
        topic="config-type",
        dialects=SQLITE,
        migration={"include_extensions": "litestar"},
        exit_code=2,
        words=("'include_extensions'", "got `str`"),
    ),
    Case(
        name="config-version-table-int",
        topic="config-type",
        dialects=SQLITE,
        migration={"version_table": 42},
        exit_code=2,
        words=("'version_table': expected `str`, got `int`",),
    ),
    Case(
        name="config-lock-timeout-zero",
        topic="config-type",
        dialects=SQLITE,
        migration={"lock_timeout": 0},
        exit_code=2,
        words=("'lock_timeout' must be a positive number of seconds",),
    ),
    Case(
        name="config-migration-config-string",
        topic="config-type",
        dialects=SQLITE,
        config_source="from {module} import {adapter}\n\n"
        "config = {adapter}(connection_config={connection}, migration_config='db/migrations')\n",
        exit_code=2,
        words=("migration_config must be a dict or MigrationConfig, not str",),
    ),
    Case(
        name="config-connection-config-string",
        topic="config-type",
        dialects=SQLITE,
        config_source="from {module} import {adapter}\n\n"
        "config = {adapter}(connection_config='app.db', migration_config={migration})\n",
        exit_code=2,
        words=("connection_config must be a dict, not str",),
    ),
    Case(
        name="config-sqlite-unknown-connect-argument",
        topic="config-key",
        dialects=SQLITE,
        connection=_with(bogus_option=1),
        exit_code=2,
        words=("connection_config", "bogus_option"),
    ),
    Case(
        name="config-sqlite-without-database",
        topic="config-key",
        dialects=SQLITE,
        connection=_only(timeout=5),
        exit_code=2,
        words=("connection_config needs 'database'",),
    ),
    Case(
        name="config-postgres-unknown-connect-argument",
        topic="config-key",
        dialects=POSTGRES,
        connection=_with(bogus_option=1),
        exit_code=2,
        words=("connection_config", "bogus_option"),
    ),
    Case(
        name="config-postgres-dsn-bad-port",
        topic="config-type",
        dialects=POSTGRES,
        connection=_bad_port_dsn,
        exit_code=2,
        words=("connection_config", "notaport"),
    ),
    # -- a missing script_location ----------------------------------------------------------------
    Case(
        name="script-location-missing",
        topic="script-location",
        migration={"script_location": "db/nowhere"},
        exit_code=1,
        words=("db/nowhere", "migration folder does not exist", "sqlspec init"),
    ),
    Case(
        name="script-location-key-omitted",
        topic="script-location",
        migration={"script_location": OMIT},
        exit_code=1,
        words=("migrations: migration folder does not exist", "set script_location"),
    ),
    Case(
        name="script-location-is-a-file",
        topic="script-location",
        dialects=SQLITE,
        migration={"script_location": "db/not_a_folder"},
        prepare=_script_location_file,
        exit_code=1,
        words=("db/not_a_folder", "script_location is a file, not a folder"),
    ),
    Case(
        name="init-over-a-file",
        topic="script-location",
        dialects=SQLITE,
        argv=("init",),
        migration={"script_location": "db/not_a_folder"},
        prepare=_script_location_file,
        exit_code=1,
        words=("db/not_a_folder exists and is not a folder",),
    ),
    # -- unreadable files -------------------------------------------------------------------------
    Case(
        name="unreadable-mode-000",
        topic="unreadable",
        prepare=_unreadable_by_mode,
        skip_reason=_root_reads_anything,
        exit_code=1,
        words=(f"{M}/0002_next.sql", "cannot read file", "Permission denied"),
    ),
    Case(
        name="unreadable-io-error",
        topic="unreadable",
        prepare=_io_error,
        skip_reason=_proc_mem_readable,
        exit_code=1,
        words=(f"{M}/0002_next.sql", "cannot read file", "Input/output error"),
    ),
    Case(
        name="unreadable-dangling-symlink",
        topic="unreadable",
        prepare=_dangling_symlink,
        exit_code=1,
        words=(f"{M}/0002_next.sql", "cannot read file"),
    ),
    Case(
        name="unreadable-symlink-loop",
        topic="unreadable",
        prepare=_symlink_loop,
        exit_code=1,
        words=(f"{M}/0002_next.sql", "cannot read file"),
    ),
    # -- the database cannot be reached or refuses the login --------------------------------------
    Case(
        name="postgres-unreachable",
        topic="connection",
        dialects=POSTGRES,
        connection=_unreachable,
        exit_code=1,
        words=("cannot connect to PostgreSQL at 127.0.0.1:1/",),
    ),
    Case(
        name="postgres-role-does-not-exist",
        topic="login",
        dialects=POSTGRES,
        connection=_no_such_role,
        exit_code=1,
        words=("cannot connect to PostgreSQL", 'role "sqlspec_no_such_role" does not exist'),
    ),
    Case(
        name="postgres-database-does-not-exist",
        topic="missing-database",
        dialects=POSTGRES,
        connection=_no_such_database,
        exit_code=1,
        words=("cannot connect to PostgreSQL", 'database "sqlspec_no_such_database" does not exist'),
    ),
    Case(
        name="sqlite-missing-directory",
        topic="missing-database",
        dialects=("sqlite", "sqlite-sync"),
        connection=_only(database="no/such/dir/app.db"),
        exit_code=1,
        words=("cannot open SQLite database 'no/such/dir/app.db'",),
    ),
    Case(
        name="sqlite-path-is-a-directory",
        topic="connection",
        dialects=SQLITE,
        connection=_only(database="db"),
        exit_code=1,
        words=("cannot open SQLite database 'db'",),
    ),
    Case(
        name="sqlite-not-a-database",
        topic="connection",
        dialects=("sqlite", "sqlite-sync"),
        connection=_only(database="garbage.db"),
        prepare=_garbage_database,
        exit_code=1,
        words=("garbage.db", "not a database"),
    ),
    Case(
        name="version-table-is-someone-elses",
        topic="connection",
        migration={"version_table": "app_versions"},
        prepare=_foreign_version_table,
        exit_code=1,
        words=("cannot read the version table app_versions", "version_num"),
    ),
    Case(
        name="version-table-schema-missing",
        topic="connection",
        migration={"version_table": "no_such_schema.sqlspec_version"},
        exit_code=1,
        words=("version table no_such_schema.sqlspec_version", "no_such_schema"),
    ),
    # -- targets that cannot be reached -----------------------------------------------------------
    Case(
        name="upgrade-unknown-revision",
        topic="target",
        argv=("upgrade", "0042"),
        files={"0002_next.sql": sql()},
        exit_code=2,
        words=("unknown revision '0042'", "no migration file has it"),
    ),
    Case(
        name="upgrade-past-head",
        topic="target",
        argv=("upgrade", "+5"),
        files={"0002_next.sql": sql()},
        exit_code=2,
        words=("+5 goes past head", "only 1 migration(s) pending"),
    ),
    Case(
        name="upgrade-past-head-when-up-to-date",
        topic="target",
        argv=("upgrade", "+1"),
        exit_code=2,
        words=("+1 goes past head", "only 0 migration(s) pending"),
    ),
    Case(
        name="upgrade-plus-zero",
        topic="target",
        argv=("upgrade", "+0"),
        files={"0002_next.sql": sql()},
        exit_code=2,
        words=("'+0' moves nowhere",),
    ),
    Case(
        name="upgrade-relative-minus",
        topic="target",
        argv=("upgrade", "-1"),
        files={"0002_next.sql": sql()},
        exit_code=2,
        words=("upgrade takes +N as a relative target",),
    ),
    Case(
        name="upgrade-base",
        topic="target",
        argv=("upgrade", "base"),
        files={"0002_next.sql": sql()},
        exit_code=2,
        words=("'base' is a downgrade target",),
    ),
    Case(
        name="upgrade-target-injection",
        topic="target",
        argv=("upgrade", "0002; DROP TABLE items; --"),
        files={"0002_next.sql": sql()},
        exit_code=2,
        words=("unknown revision '0002; DROP TABLE items; --'",),
    ),
    Case(
        name="downgrade-past-base",
        topic="target",
        argv=("downgrade", "-5", "--no-prompt"),
        exit_code=2,
        words=("-5 goes past base", "only 1 migration(s) applied"),
    ),
    Case(
        name="downgrade-head",
        topic="target",
        argv=("downgrade", "head", "--no-prompt"),
        exit_code=2,
        words=("'head' is an upgrade target",),
    ),
    Case(
        name="downgrade-relative-plus",
        topic="target",
        argv=("downgrade", "+1", "--no-prompt"),
        exit_code=2,
        words=("downgrade takes -N as a relative target",),
    ),
    Case(
        name="downgrade-unknown-revision",
        topic="target",
        argv=("downgrade", "0042", "--no-prompt"),
        exit_code=2,
        words=("unknown revision '0042'",),
    ),
    Case(
        name="downgrade-irreversible",
        topic="target",
        baseline={"0001_items.sql": BASE_0001.split("-- downgrade --")[0]},
        argv=("downgrade", "base", "--no-prompt"),
        exit_code=1,
        words=("revision 0001", f"{M}/0001_items.sql", "has no downgrade section"),
    ),
    Case(
        name="downgrade-file-missing",
        topic="target",
        argv=("downgrade", "-1", "--no-prompt"),
        prepare=_remove_0001,
        exit_code=2,
        words=("unknown revision '0001'", "its file is missing", "restore the file"),
    ),
    Case(
        name="upgrade-dry-run-broken-file",
        topic="target",
        argv=("upgrade", "--dry-run"),
        files={"0002_next.sql": sql(revision="0003")},
        exit_code=1,
        words=(f"{M}/0002_next.sql", "header says revision 0003"),
    ),
    Case(
        name="downgrade-dry-run-past-base",
        topic="target",
        argv=("downgrade", "-2", "--dry-run"),
        exit_code=2,
        words=("-2 goes past base",),
    ),
    Case(
        name="stamp-unknown-revision",
        topic="target",
        argv=("stamp", "0042"),
        files={"0002_next.sql": sql()},
        exit_code=2,
        words=("unknown revision '0042'",),
    ),
    Case(
        name="stamp-broken-file",
        topic="target",
        argv=("stamp",),
        files={"0002_next.sql": b"\xff\xfe broken"},
        exit_code=1,
        words=(f"{M}/0002_next.sql:1", "not valid UTF-8"),
    ),
    # -- a lock held beyond the timeout -----------------------------------------------------------
    Case(
        name="lock-held-upgrade",
        topic="lock",
        dialects=POSTGRES,
        files={"0002_next.sql": sql()},
        migration={"lock_timeout": 0.5},
        hold=_postgres_lock,
        exit_code=1,
        words=(
            "gave up waiting for the migration lock after 0.5s: it is held by PostgreSQL backend pid",
            "which shows no sign of life",
        ),
    ),
    Case(
        name="lock-held-downgrade",
        topic="lock",
        dialects=POSTGRES,
        argv=("downgrade", "-1", "--no-prompt"),
        migration={"lock_timeout": 0.5},
        hold=_postgres_lock,
        exit_code=1,
        words=("gave up waiting for the migration lock", "end it (the lock goes with it)"),
    ),
    Case(
        name="lock-held-sqlite-write-lock",
        topic="lock",
        dialects=("sqlite", "sqlite-sync"),
        files={"0002_next.sql": sql()},
        migration={"lock_timeout": 0.5},
        hold=_sqlite_lock,
        exit_code=1,
        words=(
            "gave up waiting for SQLite's write lock after 0.5s: it is held by another connection",
            "end it (the lock goes with it)",
        ),
    ),
    # -- --config pointing at nothing -------------------------------------------------------------
    Case(
        name="config-module-missing",
        topic="config-reference",
        dialects=SQLITE,
        config_ref="nowhere.config",
        exit_code=2,
        words=("cannot find module 'nowhere'",),
    ),
    Case(
        name="config-attribute-missing",
        topic="config-reference",
        dialects=SQLITE,
        config_ref="{package}.config.missing",
        exit_code=2,
        words=("has no attribute 'missing'", "it has: {package}.config.config"),
    ),
    Case(
        name="config-file-path",
        topic="config-reference",
        dialects=SQLITE,
        config_ref="{package}/config.py",
        exit_code=2,
        words=("is a file path", "name the module instead"),
    ),
    Case(
        name="config-not-a-config",
        topic="config-reference",
        dialects=SQLITE,
        config_ref="os:sep",
        exit_code=2,
        words=("os:sep is str, not a sqlspec config",),
    ),
    Case(
        name="config-no-module",
        topic="config-reference",
        dialects=SQLITE,
        config_ref=":config",
        exit_code=2,
        words=("names no module",),
    ),
    Case(
        name="config-empty-list",
        topic="config-reference",
        dialects=SQLITE,
        config_source="configs = []\n",
        config_ref="{package}.config.configs",
        exit_code=2,
        words=("is an empty list, not a sqlspec config",),
    ),
    Case(
        name="config-module-syntax-error",
        topic="config-reference",
        dialects=SQLITE,
        config_source="from {module} import {adapter}\n\nconfig = {adapter}(\n",
        exit_code=2,
        words=("importing {package}.config failed", "SyntaxError"),
    ),
    Case(
        name="config-callable-raises",
        topic="config-reference",
        dialects=SQLITE,
        config_source="def make():\n    raise LookupError('no settings')\n",
        config_ref="{package}.config.make",
        exit_code=2,
        words=("calling {package}.config.make() failed", "LookupError"),
    ),
    Case(
        name="config-duplicate-bind-keys",
        topic="config-reference",
        dialects=SQLITE,
        config_source="from {module} import {adapter}\n\n"
        "configs = [\n"
        "    {adapter}(connection_config={connection}, migration_config={migration}, bind_key='db'),\n"
        "    {adapter}(connection_config={connection}, migration_config={migration}, bind_key='db'),\n"
        "]\n",
        config_ref="{package}.config.configs",
        exit_code=2,
        words=("several configs share bind_key 'db'",),
    ),
    Case(
        name="config-unknown-bind-key",
        topic="config-reference",
        dialects=SQLITE,
        argv=("--bind-key", "nope", "upgrade"),
        files={"0002_next.sql": sql()},
        exit_code=2,
        words=("no config has bind_key 'nope'",),
    ),
    Case(
        name="config-none-given",
        topic="config-reference",
        dialects=SQLITE,
        config_ref=None,
        exit_code=2,
        words=("no config given", "--config"),
    ),
    Case(
        name="config-env-var-nowhere",
        topic="config-reference",
        dialects=SQLITE,
        config_ref=None,
        env={"SQLSPEC_CONFIG": "nowhere.settings"},
        exit_code=2,
        words=("cannot find module 'nowhere'",),
    ),
    Case(
        name="config-pyproject-malformed",
        topic="config-reference",
        dialects=SQLITE,
        config_ref=None,
        prepare=_pyproject('[tool.sqlspec\nconfig = "x"\n'),
        exit_code=2,
        words=("pyproject.toml: cannot read it",),
    ),
    Case(
        name="config-pyproject-not-a-string",
        topic="config-reference",
        dialects=SQLITE,
        config_ref=None,
        prepare=_pyproject("[tool.sqlspec]\nconfig = 5\n"),
        exit_code=2,
        words=("[tool.sqlspec] config must be a string",),
    ),
    # -- bad arguments ----------------------------------------------------------------------------
    Case(
        name="usage-unknown-option",
        topic="usage",
        dialects=SQLITE,
        argv=("upgrade", "--bogus"),
        files={"0002_next.sql": sql()},
        exit_code=2,
        words=("--bogus",),
    ),
    Case(
        name="usage-unknown-command",
        topic="usage",
        dialects=SQLITE,
        argv=("upgrdae",),
        files={"0002_next.sql": sql()},
        exit_code=2,
        words=("upgrdae",),
    ),
    Case(
        name="usage-bad-format",
        topic="usage",
        dialects=SQLITE,
        argv=("create-migration", "-m", "x", "--format", "yaml"),
        exit_code=2,
        words=("yaml",),
    ),
    # -- create-migration and fix -----------------------------------------------------------------
    Case(
        name="create-template-directory-missing",
        topic="create",
        dialects=SQLITE,
        argv=("create-migration", "-m", "next"),
        migration={"template_directory": "no_templates"},
        exit_code=2,
        words=("'template_directory' 'no_templates' is not a folder",),
    ),
    Case(
        name="create-broken-template",
        topic="create",
        dialects=SQLITE,
        argv=("create-migration", "-m", "next"),
        migration={"template_directory": "templates"},
        prepare=_broken_template,
        exit_code=1,
        words=("the template makes a broken migration", "no '-- upgrade --' section"),
    ),
    Case(
        name="create-template-not-utf8",
        topic="create",
        dialects=SQLITE,
        argv=("create-migration", "-m", "next"),
        migration={"template_directory": "templates"},
        prepare=_latin1_template,
        exit_code=1,
        words=("templates/migration.sql", "UTF-8"),
    ),
    Case(
        name="create-beside-a-misnamed-file",
        topic="create",
        dialects=SQLITE,
        argv=("create-migration", "-m", "next"),
        files={"0002 next.sql": sql()},
        exit_code=1,
        words=(f"{M}/0002 next.sql", "file name must be"),
    ),
    Case(
        name="fix-without-yes",
        topic="fix",
        dialects=SQLITE,
        argv=("fix",),
        files={"20250101000000_a.sql": sql(revision="20250101000000")},
        exit_code=2,
        words=("pass --yes",),
    ),
    Case(
        name="fix-broken-timestamp-file",
        topic="fix",
        dialects=SQLITE,
        argv=("fix", "--yes"),
        files={
            "20250101000000_a.sql": sql(revision="20250101000000"),
            "20250101000001_b.sql": sql(revision="20250101000001", down="20250101000000", header="-- x\n"),
        },
        exit_code=1,
        words=("20250101000001_b.sql", "header has no revision"),
    ),
    Case(
        name="fix-corrupt-journal",
        topic="fix",
        dialects=SQLITE,
        argv=("fix", "--yes"),
        files={"20250101000000_a.sql": sql(revision="20250101000000")},
        prepare=_corrupt_fix_journal,
        exit_code=1,
        words=(".sqlspec-fix.json", "unreadable fix journal", "delete it"),
    ),
)
