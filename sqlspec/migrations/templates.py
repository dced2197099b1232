"""New migration files: names, slugs and templates.

New files get a UTC timestamp revision, so two developers never pick the same number; ``fix``
renumbers them before merge. A project's own templates replace the built-in ones; only the
placeholders below are filled in, every other character (braces included) stays as written.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from sqlspec.exceptions import ImproperConfigurationError, MigrationSourceError
from sqlspec.migrations.config import MigrationConfig
from sqlspec.migrations.files import MigrationFile, discover, parse
from sqlspec.migrations.revisions import is_timestamp

__all__ = ("PLACEHOLDERS", "create_migration", "slugify", "write_builtin_templates")

Format = Literal["sql", "py"]
PLACEHOLDERS = ("revision", "down_revision", "description", "created_at", "slug")
_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")
_SLUG_LENGTH = 60
_TIMESTAMP = "%Y%m%d%H%M%S"

_BUILTIN: dict[Format, str] = {
    "sql": """-- revision: {revision}
-- down_revision: {down_revision}
-- description: {description}
-- created_at: {created_at}

-- upgrade --


-- downgrade --

""",
    "py": '''"""{description}

Revision ID: {revision}
Down Revision: {down_revision}
Created at: {created_at}
"""


def upgrade(driver):
    """Apply the change: driver.execute(sql, *params), driver.select(...)."""


def downgrade(driver):
    """Undo upgrade()."""
''',
}


def slugify(message: str) -> str:
    """A file-name-safe slug: lowercase ASCII letters, digits and ``_``, never empty, never a path."""
    ascii_text = unicodedata.normalize("NFKD", message).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")
    return slug[:_SLUG_LENGTH].rstrip("_") or "migration"


def _next_revision(files: list[MigrationFile], now: datetime) -> str:
    """The UTC timestamp of ``now``, moved past any timestamp already taken (two creates in a second)."""
    taken = [f.revision for f in files if is_timestamp(f.revision)]
    moment = now.astimezone(UTC).replace(microsecond=0)
    if taken:
        latest = datetime.strptime(max(taken), _TIMESTAMP).replace(tzinfo=UTC)
        moment = max(moment, latest + timedelta(seconds=1))
    return moment.strftime(_TIMESTAMP)


def _template(settings: MigrationConfig, fmt: Format) -> str:
    if settings.template_directory is None:
        return _BUILTIN[fmt]
    folder = Path(settings.template_directory)
    if not folder.is_dir():
        raise ImproperConfigurationError(
            f"migration_config: 'template_directory' {str(folder)!r} is not a folder; "
            "`sqlspec init` creates it with the built-in templates to edit, or remove the key"
        )
    custom = folder / f"migration.{fmt}"
    if not custom.is_file():
        return _BUILTIN[fmt]
    try:
        return custom.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise MigrationSourceError(custom, f"cannot read the template: {error}; save it as UTF-8") from error


def write_builtin_templates(folder: Path) -> list[Path]:
    """Write the built-in templates into ``folder`` to be edited; never overwrites a file."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt, text in _BUILTIN.items():
        path = folder / f"migration.{fmt}"
        if not path.exists():
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


def create_migration(
    settings: MigrationConfig, message: str, fmt: Format = "sql", *, now: datetime | None = None
) -> Path:
    """Write a new migration after the current last one and return its path.

    Creates the migration folder when missing. The new file is parsed before this returns, so a
    template that yields a broken migration is refused (and removed) at once.
    """
    folder = Path(settings.script_location)
    folder.mkdir(parents=True, exist_ok=True)
    files = discover(folder)
    description = " ".join(message.split()).replace('"""', '"') or "migration"
    slug = slugify(message)
    revision = _next_revision(files, now or datetime.now(UTC))
    created_at = datetime.strptime(revision, _TIMESTAMP).replace(tzinfo=UTC)  # the name's moment
    values = {
        "revision": revision,
        "down_revision": files[-1].revision if files else "None",
        "description": description,
        "created_at": created_at.isoformat(timespec="seconds"),
        "slug": slug,
    }
    text = _PLACEHOLDER.sub(lambda match: values[match.group(1)], _template(settings, fmt))
    path = folder / f"{revision}_{slug}.{fmt}"
    with path.open("x", encoding="utf-8") as handle:  # "x": never overwrite
        handle.write(text)
    try:
        parse(MigrationFile(revision, slug, fmt, path.parent, path.name))
    except MigrationSourceError as error:
        path.unlink()
        raise MigrationSourceError(path, f"the template makes a broken migration: {error.problem}") from error
    return path
