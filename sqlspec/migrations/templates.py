"""New migration files: names, slugs and templates.

New files get a UTC timestamp revision, so two developers never pick the same number; ``fix``
renumbers them before merge. A project's own templates replace the built-in ones; only the
placeholders below are filled in, every other character (braces included) stays as written.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from sqlspec.exceptions import ImproperConfigurationError, MigrationSourceError
from sqlspec.migrations.config import MigrationConfig
from sqlspec.migrations.files import parse
from sqlspec.migrations.folder import MigrationFile, discover
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


def _cannot(path: Path, what: str, error: OSError) -> MigrationSourceError:
    """An ``OSError`` as one line naming the path: a read-only folder, a file where a folder goes…"""
    reason = error.strerror or str(error)
    return MigrationSourceError(path, f"cannot {what}: {reason}; check the path and its permissions")


def _make_folder(folder: Path, what: str) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError as error:  # the path is there, but a file (or a dangling symlink)
        raise MigrationSourceError(folder, f"{what} exists and is not a folder; change {what}") from error
    except OSError as error:
        raise _cannot(folder, f"create the {what} folder", error) from error


def _write_new(path: Path, text: str) -> None:
    """Write a file that must not exist yet; on any failure, nothing is left behind."""
    data = text.encode("utf-8")  # before the file exists: a failure here leaves no empty file
    try:
        handle = path.open("xb")  # "x": never overwrite
    except OSError as error:
        raise _cannot(path, "create the file", error) from error
    try:
        with handle:
            handle.write(data)
    except OSError as error:  # a full disk: a half-written migration would run as written
        with contextlib.suppress(OSError):
            path.unlink()
        raise _cannot(path, "write the file", error) from error


def write_builtin_templates(folder: Path) -> list[Path]:
    """Write the built-in templates into ``folder`` to be edited; never overwrites a file.

    Raises :class:`MigrationSourceError` when the folder or a file cannot be written.
    """
    _make_folder(folder, "template_directory")
    written = []
    for fmt, text in _BUILTIN.items():
        path = folder / f"migration.{fmt}"
        if not path.exists():
            _write_new(path, text)
            written.append(path)
    return written


def create_migration(
    settings: MigrationConfig, message: str, fmt: Format = "sql", *, now: datetime | None = None
) -> Path:
    """Write a new migration after the current last one and return its path.

    Creates the migration folder when missing. The new file is parsed before this returns, so a
    template that yields a broken migration is refused (and removed) at once. A folder or file that
    cannot be written (read-only, a file where a folder goes, a full disk) is a
    :class:`MigrationSourceError` naming it.
    """
    folder = Path(settings.script_location)
    _make_folder(folder, "script_location")
    try:
        files = discover(folder)
    except OSError as error:  # what discover does not name itself: an unreadable folder
        raise _cannot(folder, "read the migration folder", error) from error
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
    _write_new(path, text)
    try:
        parse(MigrationFile(revision, slug, fmt, path.parent, path.name))
    except MigrationSourceError as error:
        with contextlib.suppress(OSError):
            path.unlink()
        raise MigrationSourceError(path, f"the template makes a broken migration: {error.problem}") from error
    return path
