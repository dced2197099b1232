"""PostgreSQL's schema, read from its catalog with the server's own ``pg_get_*def`` renderings."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from sqlspec.schema import SchemaObject

if TYPE_CHECKING:
    from sqlspec.driver import AsyncDriver, Row

__all__ = ("read_postgres_schema",)

# The app's schemas: not the system's, and not objects an extension created (CREATE EXTENSION
# brings its own functions and types, described by the extension's line).
_USER_SCHEMA = (
    "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' "
    "AND n.nspname NOT LIKE 'pg\\_temp\\_%'"
)


def _not_from_extension(oid: str) -> str:
    return f"NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.objid = {oid} AND e.deptype = 'e')"


_RELATIONS = f"""
SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS kind,
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid, true) END AS definition
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND {_USER_SCHEMA} AND {_not_from_extension("c.oid")}
"""
_COLUMNS = f"""
SELECT n.nspname AS schema, c.relname AS table, a.attname AS name,
       format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
       pg_get_expr(d.adbin, d.adrelid) AS default, a.attidentity::text AS identity,
       a.attgenerated::text AS generated, a.attnum AS position
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND {_USER_SCHEMA}
ORDER BY n.nspname, c.relname, a.attnum
"""
_CONSTRAINTS = f"""
SELECT n.nspname AS schema, c.relname AS table, k.conname AS name,
       pg_get_constraintdef(k.oid, true) AS definition
FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE {_USER_SCHEMA}
"""
_INDEXES = f"""
SELECT n.nspname AS schema, c.relname AS table, i.relname AS name, pg_get_indexdef(x.indexrelid) AS definition
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE {_USER_SCHEMA}
"""
_TRIGGERS = f"""
SELECT n.nspname AS schema, c.relname AS table, t.tgname AS name, pg_get_triggerdef(t.oid, true) AS definition
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT t.tgisinternal AND {_USER_SCHEMA}
"""
_SEQUENCES = f"""
SELECT n.nspname AS schema, c.relname AS name, format_type(s.seqtypid, NULL) AS type, s.seqstart AS start,
       s.seqincrement AS increment, s.seqmin AS min, s.seqmax AS max, s.seqcycle AS cycle,
       (SELECT dc.relname || '.' || a.attname FROM pg_depend d
        JOIN pg_class dc ON dc.oid = d.refobjid
        JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
        WHERE d.objid = c.oid AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
        LIMIT 1) AS owned_by
FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE {_USER_SCHEMA} AND {_not_from_extension("c.oid")}
"""
_FUNCTIONS = f"""
SELECT n.nspname AS schema, p.proname AS name, pg_get_function_identity_arguments(p.oid) AS arguments,
       pg_get_functiondef(p.oid) AS definition
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE p.prokind IN ('f', 'p') AND {_USER_SCHEMA} AND {_not_from_extension("p.oid")}
"""
_TYPES = f"""
SELECT n.nspname AS schema, t.typname AS name, t.typtype::text AS kind,
       CASE t.typtype
         WHEN 'e' THEN (SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder)
                        FROM pg_enum e WHERE e.enumtypid = t.oid)
         WHEN 'd' THEN format_type(t.typbasetype, t.typtypmod)
                       || CASE WHEN t.typnotnull THEN ' NOT NULL' ELSE '' END
                       || COALESCE(' DEFAULT ' || t.typdefault, '')
       END AS definition
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype IN ('e', 'd') AND {_USER_SCHEMA} AND {_not_from_extension("t.oid")}
"""
_DOMAIN_CHECKS = f"""
SELECT n.nspname AS schema, t.typname AS type, k.conname AS name,
       pg_get_constraintdef(k.oid, true) AS definition
FROM pg_constraint k JOIN pg_type t ON t.oid = k.contypid JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE {_USER_SCHEMA}
"""
_SCHEMAS = f"SELECT n.nspname AS name FROM pg_namespace n WHERE {_USER_SCHEMA}"
_EXTENSIONS = "SELECT extname AS name, extversion AS version FROM pg_extension"

_RELATION_KIND = {"r": "table", "p": "table", "f": "foreign table", "v": "view", "m": "materialized view"}


def _column(row: Row) -> str:
    parts = [f"column {row['name']} {row['type']}"]
    if row["generated"] == "s":
        parts.append(f"GENERATED ALWAYS AS ({row['default']}) STORED")
    elif row["default"] is not None:
        parts.append(f"DEFAULT {row['default']}")
    if row["identity"]:
        parts.append(
            "GENERATED ALWAYS AS IDENTITY" if row["identity"] == "a" else "GENERATED BY DEFAULT AS IDENTITY"
        )
    if row["not_null"]:
        parts.append("NOT NULL")
    return " ".join(parts)


async def read_postgres_schema(driver: AsyncDriver, exclude: frozenset[str]) -> list[SchemaObject]:
    """Every user object of the current database, as :class:`SchemaObject` blocks."""

    def left_out(schema: str, table: str) -> bool:
        return table in exclude or f"{schema}.{table}" in exclude

    per_table: defaultdict[tuple[str, str], list[str]] = defaultdict(list)
    for row in await driver.select(_COLUMNS):
        per_table[row["schema"], row["table"]].append(_column(row))
    for query, label in ((_CONSTRAINTS, "constraint"), (_INDEXES, "index"), (_TRIGGERS, "trigger")):
        extras: defaultdict[tuple[str, str], list[str]] = defaultdict(list)
        for row in await driver.select(query):
            extras[row["schema"], row["table"]].append(f"{label} {row['name']} {row['definition']}")
        for key, lines in extras.items():
            per_table[key].extend(sorted(lines))  # columns keep their order; the rest is sorted

    objects = [SchemaObject("schema", row["name"]) for row in await driver.select(_SCHEMAS)]
    objects += [
        SchemaObject("extension", row["name"], (f"version {row['version']}",))
        for row in await driver.select(_EXTENSIONS)
    ]
    for row in await driver.select(_RELATIONS):
        if left_out(row["schema"], row["name"]):
            continue
        lines = per_table.get((row["schema"], row["name"]), [])
        if row["definition"] is not None:
            lines = [*lines, f"definition {row['definition'].strip()}"]
        objects.append(
            SchemaObject(_RELATION_KIND[row["kind"]], f"{row['schema']}.{row['name']}", tuple(lines))
        )
    for row in await driver.select(_SEQUENCES):
        owned = row["owned_by"]
        if owned is not None and left_out(row["schema"], owned.split(".")[0]):
            continue
        line = (
            f"{row['type']} start {row['start']} increment {row['increment']} min {row['min']} "
            f"max {row['max']}{' cycle' if row['cycle'] else ''}"
            f"{f' owned by {owned}' if owned else ''}"
        )
        objects.append(SchemaObject("sequence", f"{row['schema']}.{row['name']}", (line,)))
    for row in await driver.select(_FUNCTIONS):
        title = f"{row['schema']}.{row['name']}({row['arguments']})"
        objects.append(SchemaObject("function", title, (row["definition"].strip(),)))
    checks: defaultdict[tuple[str, str], list[str]] = defaultdict(list)
    for row in await driver.select(_DOMAIN_CHECKS):
        checks[row["schema"], row["type"]].append(f"constraint {row['name']} {row['definition']}")
    for row in await driver.select(_TYPES):
        kind = "enum" if row["kind"] == "e" else "domain"
        head = f"{'values' if kind == 'enum' else 'over'} {row['definition']}"
        extra = sorted(checks.get((row["schema"], row["name"]), []))
        objects.append(SchemaObject(kind, f"{row['schema']}.{row['name']}", (head, *extra)))
    return objects
