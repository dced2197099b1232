"""The PostgreSQL rules, read from the syntax tree of PostgreSQL's own parser (pglast).

Imported only when a PostgreSQL migration is linted: pglast is an optional extra (``lint``) and
costs a tenth of a second to import, which no other command should pay.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from pglast import ast
from pglast.enums import AlterTableType, ConstrType, ObjectType
from pglast.parser import ParseError, parse_sql

from sqlspec.lint._source import Statement
from sqlspec.lint._state import Hit, RunState
from sqlspec.migrations.files import Migration

__all__ = ("check",)

# Defaults computed per row: adding a column with one rewrites the table. Functions not listed are
# trusted (a user's function may be volatile too, but flagging every call would bury the rest).
_VOLATILE = frozenset(
    {
        "random",
        "random_normal",
        "gen_random_uuid",
        "gen_random_bytes",
        "uuid_generate_v1",
        "uuid_generate_v1mc",
        "uuid_generate_v4",
        "uuidv4",
        "uuidv7",
        "clock_timestamp",
        "timeofday",
        "nextval",
        "txid_current",
        "pg_current_xact_id",
    }
)
_SERIAL = frozenset({"serial", "bigserial", "smallserial", "serial2", "serial4", "serial8"})
# ALTER COLUMN ... TYPE to these, without USING, changes only the catalog when it widens the column.
_NO_REWRITE_TYPES = frozenset({"text", "varchar"})
_LOCKING_SUBTYPES_EXEMPT = frozenset({AlterTableType.AT_ValidateConstraint})
# VALIDATE CONSTRAINT takes SHARE UPDATE EXCLUSIVE, which lets reads and writes go on: not "locking".


def _walk(value: object) -> Iterator[ast.Node]:
    if isinstance(value, ast.Node):
        yield value
        for attribute in value:
            yield from _walk(getattr(value, attribute))
    elif isinstance(value, tuple):
        for item in value:
            yield from _walk(item)


def _name(names: object) -> str:
    """The last part of a qualified name (a tuple of ``String`` nodes), lower-cased."""
    if isinstance(names, tuple) and names and isinstance(names[-1], ast.String):
        return (names[-1].sval or "").lower()
    return ""


def _relation(node: ast.RangeVar | None) -> str:
    return (node.relname or "") if node is not None else ""


def _constraints(column: ast.ColumnDef) -> list[ast.Constraint]:
    return [c for c in column.constraints or () if isinstance(c, ast.Constraint)]


def _volatile_call(expression: object) -> str | None:
    for node in _walk(expression):
        if isinstance(node, ast.FuncCall) and (name := _name(node.funcname)) in _VOLATILE:
            return f"{name}()"
    return None


def _setting_value(value: object) -> str:
    if isinstance(value, ast.A_Const) and value.val is not None:
        inner = value.val
        if isinstance(inner, ast.Integer):
            return str(inner.ival)
        if isinstance(inner, ast.String):
            return inner.sval or ""
    return ""


def _sets_lock_timeout(node: ast.Node, *, transactional: bool) -> bool:
    """``SET [LOCAL] lock_timeout`` or ``set_config('lock_timeout', ...)`` to a limit (not 0)."""
    if isinstance(node, ast.VariableSetStmt) and (node.name or "").lower() == "lock_timeout":
        if node.is_local and not transactional:  # each statement is its own transaction: lost at once
            return False
        values = [_setting_value(arg) for arg in node.args or ()]
        return bool(values) and values[0].strip().lower() not in {"0", "0s", "0ms", ""}
    if isinstance(node, ast.SelectStmt):
        for call in _walk(node):
            if isinstance(call, ast.FuncCall) and _name(call.funcname) == "set_config":
                args = call.args or ()
                if len(args) >= 2 and _setting_value(args[0]).lower() == "lock_timeout":
                    return _setting_value(args[1]).strip() not in {"0", "0s", "0ms"}
    return False


class _Checker:
    """The rules over one migration's parsed statements, in order."""

    def __init__(self, migration: Migration, statements: Sequence[Statement], state: RunState) -> None:
        self.migration = migration
        self.statements = statements
        self.state = state
        self.hits: list[Hit] = []
        self.lock_timeout = False
        self.first_lock: int | None = None
        self.first_data: tuple[int, str] | None = None
        self.not_valid: set[tuple[str, str]] = set()
        self.parsed: list[tuple[int, ast.Node]] = []

    def hit(self, rule: str, index: int, message: str) -> None:
        self.hits.append(Hit(rule, index, message))

    def locks(self, index: int, table: str) -> None:
        """A statement that waits for a strong lock on an existing table."""
        if self.first_lock is None:
            self.first_lock = index
            if not self.lock_timeout:
                self.hit("pg-lock-timeout", index, f"{table} is locked without a lock_timeout set first")

    def run(self) -> list[Hit]:
        for index, statement in enumerate(self.statements):
            try:
                raws = parse_sql(statement.text)
            except ParseError as error:
                self.hit("pg-unparsable", index, f"PostgreSQL's parser: {error}")
                continue
            self.parsed.extend((index, raw.stmt) for raw in raws if raw.stmt is not None)
        for position, (index, node) in enumerate(self.parsed):
            self.statement(position, index, node)
        if self.first_data is not None and self.first_lock is not None:
            index, what = self.first_data
            line = self.statements[self.first_lock].line
            self.hit("mixed-schema-and-data", index, f"{what} in the same migration as DDL (line {line})")
        return self.hits

    def statement(self, position: int, index: int, node: ast.Node) -> None:
        state = self.state
        if _sets_lock_timeout(node, transactional=self.migration.transactional):
            self.lock_timeout = True
        elif isinstance(node, ast.CreateStmt):
            state.created(_relation(node.relation))
        elif isinstance(node, ast.CreateTableAsStmt) and node.into is not None:
            state.created(_relation(node.into.rel))
        elif isinstance(node, ast.IndexStmt):
            table = _relation(node.relation)
            state.new_indexes.add((node.idxname or "").lower())
            if not node.concurrent and state.exists(table):
                self.hit(
                    "pg-index-not-concurrent",
                    index,
                    f"CREATE INDEX {node.idxname or ''} on existing table {table} without CONCURRENTLY",
                )
                self.locks(index, table)
        elif isinstance(node, ast.AlterTableStmt):
            table = _relation(node.relation)
            if node.objtype == ObjectType.OBJECT_TABLE and state.exists(table):
                self.alter_table(position, index, node, table)
            self.record_constraints(node, table)
        elif isinstance(node, ast.RenameStmt):
            self.rename(index, node)
        elif isinstance(node, ast.DropStmt):
            self.drop(index, node)
        elif isinstance(node, ast.CreateTrigStmt | ast.TruncateStmt | ast.LockStmt):
            tables = [_relation(node.relation)] if isinstance(node, ast.CreateTrigStmt) else []
            if isinstance(node, ast.TruncateStmt | ast.LockStmt):
                tables = [_relation(r) for r in node.relations or () if isinstance(r, ast.RangeVar)]
            existing = [t for t in tables if state.exists(t)]
            if existing:
                self.locks(index, existing[0])
        elif isinstance(node, ast.UpdateStmt | ast.DeleteStmt):
            table = _relation(node.relation)
            if node.whereClause is None and state.exists(table) and self.first_data is None:
                verb = "UPDATE" if isinstance(node, ast.UpdateStmt) else "DELETE"
                self.first_data = (index, f"{verb} of every row of {table}")
        elif isinstance(node, ast.InsertStmt) and isinstance(node.selectStmt, ast.SelectStmt):
            sources = [_relation(r) for r in _walk(node.selectStmt.fromClause) if isinstance(r, ast.RangeVar)]
            existing = [t for t in sources if state.exists(t)]
            if existing:
                state.filled(_relation(node.relation))
                if self.first_data is None:
                    self.first_data = (index, f"INSERT ... SELECT from {existing[0]}")

    def alter_table(self, position: int, index: int, node: ast.AlterTableStmt, table: str) -> None:
        commands = [c for c in node.cmds or () if isinstance(c, ast.AlterTableCmd)]
        if any(c.subtype not in _LOCKING_SUBTYPES_EXEMPT for c in commands):
            self.locks(index, table)
        for command in commands:
            subtype, definition = command.subtype, command.def_
            if subtype == AlterTableType.AT_AddColumn and isinstance(definition, ast.ColumnDef):
                self.add_column(index, table, definition)
            elif subtype == AlterTableType.AT_AlterColumnType and isinstance(definition, ast.ColumnDef):
                self.change_type(index, table, command.name or "", definition)
            elif subtype == AlterTableType.AT_AddConstraint and isinstance(definition, ast.Constraint):
                self.add_constraint(index, table, definition)
            elif subtype == AlterTableType.AT_ValidateConstraint:
                if (
                    table.lower(),
                    (command.name or "").lower(),
                ) in self.not_valid and self.migration.transactional:
                    self.hit(
                        "pg-constraint-not-valid",
                        index,
                        f"constraint {command.name} on {table} is validated in the transaction that added "
                        "it, which holds the adding lock through the whole check",
                    )
            elif subtype == AlterTableType.AT_SetNotNull and not self.proven_not_null(position, table):
                self.hit("pg-set-not-null", index, f"SET NOT NULL on {table}.{command.name} scans the table")
            elif subtype == AlterTableType.AT_DropColumn:
                self.hit("drop-column-or-table", index, f"column {table}.{command.name} is dropped")

    def add_column(self, index: int, table: str, column: ast.ColumnDef) -> None:
        name = f"{table}.{column.colname}"
        constraints = _constraints(column)
        kinds = {c.contype for c in constraints}
        default = next((c.raw_expr for c in constraints if c.contype == ConstrType.CONSTR_DEFAULT), None)
        type_name = _name(column.typeName.names) if column.typeName is not None else ""
        if type_name in _SERIAL:
            self.hit(
                "pg-volatile-default", index, f"new {type_name} column {name} fills every row from a sequence"
            )
        elif ConstrType.CONSTR_IDENTITY in kinds:
            self.hit(
                "pg-volatile-default", index, f"new identity column {name} fills every row from a sequence"
            )
        elif ConstrType.CONSTR_GENERATED in kinds:
            self.hit(
                "pg-volatile-default", index, f"new stored generated column {name} is computed for every row"
            )
        elif default is not None and (call := _volatile_call(default)):
            self.hit("pg-volatile-default", index, f"new column {name} defaults to volatile {call}")
        elif default is None and kinds & {ConstrType.CONSTR_NOTNULL, ConstrType.CONSTR_PRIMARY}:
            self.hit(
                "pg-add-column-not-null-without-default",
                index,
                f"new column {name} is NOT NULL with no default",
            )
        if kinds & {ConstrType.CONSTR_PRIMARY, ConstrType.CONSTR_UNIQUE}:
            self.hit(
                "pg-index-not-concurrent",
                index,
                f"new column {name} is a key: its index is built while locking",
            )

    def change_type(self, index: int, table: str, column: str, definition: ast.ColumnDef) -> None:
        names = definition.typeName.names if definition.typeName is not None else ()
        new_type = _name(names)
        typmods = definition.typeName.typmods if definition.typeName is not None else None
        widening = new_type in _NO_REWRITE_TYPES or (new_type == "numeric" and not typmods)
        if definition.raw_default is not None or not widening:
            self.hit("pg-column-type-rewrite", index, f"{table}.{column} changes type to {new_type}")

    def add_constraint(self, index: int, table: str, constraint: ast.Constraint) -> None:
        name = constraint.conname or ""
        if constraint.contype in {ConstrType.CONSTR_FOREIGN, ConstrType.CONSTR_CHECK}:
            if constraint.skip_validation:
                self.not_valid.add((table.lower(), name.lower()))
            else:
                kind = "FOREIGN KEY" if constraint.contype == ConstrType.CONSTR_FOREIGN else "CHECK"
                self.hit(
                    "pg-constraint-not-valid", index, f"{kind} {name} on {table} is added without NOT VALID"
                )
        elif (
            constraint.contype in {ConstrType.CONSTR_PRIMARY, ConstrType.CONSTR_UNIQUE}
            and not constraint.indexname
        ):
            kind = "PRIMARY KEY" if constraint.contype == ConstrType.CONSTR_PRIMARY else "UNIQUE"
            self.hit(
                "pg-index-not-concurrent", index, f"ADD {kind} on {table} builds its index while locking"
            )

    def record_constraints(self, node: ast.AlterTableStmt, table: str) -> None:
        """Validated checks prove NOT NULL for a later SET NOT NULL in this run."""
        for command in node.cmds or ():
            if not isinstance(command, ast.AlterTableCmd):
                continue
            definition = command.def_
            if command.subtype == AlterTableType.AT_ValidateConstraint or (
                command.subtype == AlterTableType.AT_AddConstraint
                and isinstance(definition, ast.Constraint)
                and definition.contype == ConstrType.CONSTR_CHECK
                and not definition.skip_validation
            ):
                self.state.validated.add(table.lower())

    def proven_not_null(self, position: int, table: str) -> bool:
        """A check validated earlier in the run, or the recipe's last step: its DROP CONSTRAINT next."""
        if table.lower() in self.state.validated:
            return True
        for _, later in self.parsed[position:]:
            if isinstance(later, ast.AlterTableStmt) and _relation(later.relation).lower() == table.lower():
                for command in later.cmds or ():
                    if (
                        isinstance(command, ast.AlterTableCmd)
                        and command.subtype == AlterTableType.AT_DropConstraint
                    ):
                        return True
        return False

    def rename(self, index: int, node: ast.RenameStmt) -> None:
        table = _relation(node.relation)
        if node.renameType == ObjectType.OBJECT_TABLE:
            if self.state.exists(table):
                self.locks(index, table)
                self.hit("rename-column-or-table", index, f"table {table} is renamed to {node.newname}")
            self.state.renamed(table, node.newname or "")
        elif node.renameType == ObjectType.OBJECT_COLUMN and self.state.exists(table):
            self.locks(index, table)
            self.hit(
                "rename-column-or-table", index, f"column {table}.{node.subname} is renamed to {node.newname}"
            )

    def drop(self, index: int, node: ast.DropStmt) -> None:
        if node.removeType == ObjectType.OBJECT_TABLE:
            for names in node.objects or ():
                table = _name(names)
                if self.state.exists(table):
                    self.locks(index, table)
                    self.hit("drop-column-or-table", index, f"table {table} is dropped")
        elif node.removeType == ObjectType.OBJECT_INDEX and not node.concurrent:
            for names in node.objects or ():
                if _name(names) not in self.state.new_indexes:
                    self.locks(index, f"the table of index {_name(names)}")


def check(migration: Migration, statements: Sequence[Statement], state: RunState) -> list[Hit]:
    """The rules broken by one PostgreSQL migration's upgrade; updates ``state`` for the next one."""
    return _Checker(migration, statements, state).run()
