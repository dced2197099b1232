"""SQLite's schema: columns and keys from its pragmas, indexes, views and triggers from their SQL.

A table is described by its columns, keys and the CHECK clauses SQLite keeps only in the table's
``CREATE`` text, not by that text itself: ``ALTER TABLE ... ADD COLUMN`` edits the stored text, so
one table reached by two paths would read as two schemas.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import TYPE_CHECKING

from sqlspec.schema import SchemaObject

if TYPE_CHECKING:
    from sqlspec.driver import AsyncDriver

__all__ = ("read_sqlite_schema",)

_OBJECTS = (
    "SELECT type, name, tbl_name, sql FROM sqlite_master "
    "WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type, name"
)
_TABLES = (
    "FROM sqlite_master AS m, {pragma} AS p "
    "WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
)
_COLUMNS = (
    "SELECT m.name AS tbl, p.* "
    + _TABLES.format(pragma="pragma_table_xinfo(m.name)")
    + " ORDER BY m.name, p.cid"
)
_FOREIGN_KEYS = "SELECT m.name AS tbl, p.* " + _TABLES.format(pragma="pragma_foreign_key_list(m.name)")
_KEY_INDEXES = (
    "SELECT m.name AS tbl, p.origin, (SELECT group_concat(i.name, ', ') FROM "
    "(SELECT name FROM pragma_index_info(p.name) ORDER BY seqno) AS i) AS columns "
    + _TABLES.format(pragma="pragma_index_list(m.name)")
    + " AND p.origin <> 'c'"
)
_CHECK = re.compile(r"\bCHECK\s*\(", re.IGNORECASE)


def _normal(sql: str) -> str:
    """SQL with its runs of whitespace made one space, so line breaks and indentation don't count."""
    return " ".join(sql.split())


def _checks(sql: str) -> list[str]:
    """The CHECK clauses of a ``CREATE TABLE``, each up to its balancing parenthesis."""
    found = []
    for match in _CHECK.finditer(sql):
        depth, end = 0, match.end() - 1
        for end in range(match.end() - 1, len(sql)):
            depth += {"(": 1, ")": -1}.get(sql[end], 0)
            if depth == 0:
                break
        found.append(_normal(sql[match.start() : end + 1]))
    return found


async def read_sqlite_schema(driver: AsyncDriver, exclude: frozenset[str]) -> list[SchemaObject]:
    """Every object of the ``main`` database, as :class:`SchemaObject` blocks.

    Four queries whatever the number of tables: the pragmas are joined to ``sqlite_master`` as
    table-valued functions, so ``sqlspec test`` stays cheap on a long history.
    """
    columns: defaultdict[str, list[str]] = defaultdict(list)
    for column in await driver.select(_COLUMNS):
        line = f"column {column['name']} {column['type'] or '(no type)'}"
        if column["dflt_value"] is not None:
            line += f" DEFAULT {column['dflt_value']}"
        if column["notnull"]:
            line += " NOT NULL"
        if column["pk"]:
            line += f" PRIMARY KEY {column['pk']}"
        if column["hidden"] in (2, 3):
            line += " GENERATED"
        columns[column["tbl"]].append(line)
    keys: defaultdict[str, list[str]] = defaultdict(list)
    for key in await driver.select(_FOREIGN_KEYS):
        keys[key["tbl"]].append(
            f"foreign key {key['id']}.{key['seq']} ({key['from']}) REFERENCES {key['table']} "
            f"({key['to']}) ON UPDATE {key['on_update']} ON DELETE {key['on_delete']}"
        )
    for index in await driver.select(_KEY_INDEXES):  # those SQLite made for a UNIQUE or PRIMARY KEY
        kind_of = "primary key" if index["origin"] == "pk" else "unique"
        keys[index["tbl"]].append(f"{kind_of} ({index['columns']})")
    objects: list[SchemaObject] = []
    for row in await driver.select(_OBJECTS):
        kind, name, table, sql = row["type"], row["name"], row["tbl_name"], row["sql"]
        if table in exclude or name in exclude:
            continue
        if kind == "table":
            lines = columns[name] + sorted(keys[name]) + sorted(_checks(sql or ""))
            objects.append(SchemaObject("table", name, tuple(lines)))
        elif sql is not None:  # indexes SQLite made for a UNIQUE or PRIMARY KEY have none
            on = () if table == name else (f"on {table}",)
            objects.append(SchemaObject(kind, name, (*on, _normal(sql))))
    return objects
