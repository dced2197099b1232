"""MySQL's and MariaDB's schema: the server's own ``SHOW CREATE`` text, with what varies taken out.

``SHOW CREATE TABLE`` carries the next ``AUTO_INCREMENT`` value, and views, routines and triggers
carry their ``DEFINER``; neither is schema, and both differ between two databases migrated alike.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlspec.schema import SchemaObject

if TYPE_CHECKING:
    from sqlspec.driver import AsyncDriver

__all__ = ("read_mysql_schema",)

_AUTO_INCREMENT = re.compile(r" AUTO_INCREMENT=\d+")
_DEFINER = re.compile(r" DEFINER=`[^`]*`@`[^`]*`")
_SCHEMA_PREFIX = re.compile(r"`[^`]+`\.")  # a view's text names its own database

_TABLES = (
    "SELECT TABLE_NAME AS name, TABLE_TYPE AS type FROM information_schema.TABLES "
    "WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME"
)
_ROUTINES = (
    "SELECT ROUTINE_TYPE AS type, ROUTINE_NAME AS name, DTD_IDENTIFIER AS returns, "
    "ROUTINE_DEFINITION AS body FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()"
)
_PARAMETERS = (
    "SELECT SPECIFIC_NAME AS routine, PARAMETER_MODE AS mode, PARAMETER_NAME AS name, "
    "DTD_IDENTIFIER AS type FROM information_schema.PARAMETERS "
    "WHERE SPECIFIC_SCHEMA = DATABASE() AND ORDINAL_POSITION > 0 ORDER BY SPECIFIC_NAME, ORDINAL_POSITION"
)
_TRIGGERS = (
    "SELECT TRIGGER_NAME AS name, EVENT_OBJECT_TABLE AS tbl, ACTION_TIMING AS timing, "
    "EVENT_MANIPULATION AS event, ACTION_STATEMENT AS body FROM information_schema.TRIGGERS "
    "WHERE TRIGGER_SCHEMA = DATABASE()"
)


def _quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _created(row: dict[str, object]) -> str:
    """The ``Create Table`` / ``Create View`` column of a ``SHOW CREATE`` row."""
    return str(next(value for key, value in row.items() if key.lower().startswith("create ")))


async def read_mysql_schema(driver: AsyncDriver, exclude: frozenset[str]) -> list[SchemaObject]:
    """Every object of the connection's current database, as :class:`SchemaObject` blocks."""
    objects: list[SchemaObject] = []
    for row in await driver.select(_TABLES):
        name, kind = str(row["name"]), str(row["type"])
        if name in exclude:
            continue
        if kind == "VIEW":
            text = _created((await driver.select(f"SHOW CREATE VIEW {_quote(name)}"))[0])
            text = _SCHEMA_PREFIX.sub("", _DEFINER.sub("", text))
            objects.append(SchemaObject("view", name, (text,)))
        elif kind == "SEQUENCE":  # MariaDB
            text = _created((await driver.select(f"SHOW CREATE SEQUENCE {_quote(name)}"))[0])
            objects.append(SchemaObject("sequence", name, (text,)))
        else:
            text = _created((await driver.select(f"SHOW CREATE TABLE {_quote(name)}"))[0])
            objects.append(SchemaObject("table", name, tuple(_AUTO_INCREMENT.sub("", text).splitlines()[1:])))
    parameters: dict[str, list[str]] = {}
    for row in await driver.select(_PARAMETERS):
        mode = f"{row['mode']} " if row["mode"] else ""
        parameters.setdefault(str(row["routine"]), []).append(f"{mode}{row['name']} {row['type']}")
    for row in await driver.select(_ROUTINES):
        signature = f"{row['name']}({', '.join(parameters.get(str(row['name']), []))})"
        returns = f"returns {row['returns']}" if row["returns"] else "returns nothing"
        objects.append(SchemaObject(str(row["type"]).lower(), signature, (returns, str(row["body"]))))
    for row in await driver.select(_TRIGGERS):
        if row["tbl"] in exclude:
            continue
        when = f"{row['timing']} {row['event']} ON {row['tbl']}"
        objects.append(SchemaObject("trigger", str(row["name"]), (when, str(row["body"]))))
    return objects
