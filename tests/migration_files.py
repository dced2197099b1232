"""Writing migration files in tests, in the exact formats of the user's guide."""

from __future__ import annotations

from pathlib import Path


def sql_migration(
    folder: Path,
    revision: str,
    slug: str,
    upgrade: str,
    downgrade: str | None = "",
    *,
    down_revision: str | None = None,
    description: str | None = None,
    extra_header: str = "",
) -> Path:
    """Write ``<revision>_<slug>.sql``; ``downgrade=None`` leaves the downgrade section out."""
    text = (
        f"-- revision: {revision}\n"
        f"-- down_revision: {down_revision}\n"
        f"-- description: {description or slug.replace('_', ' ')}\n"
        f"{extra_header}"
        f"\n-- upgrade --\n{upgrade}\n"
    )
    if downgrade is not None:
        text += f"\n-- downgrade --\n{downgrade}\n"
    path = folder / f"{revision}_{slug}.sql"
    path.write_text(text)
    return path


def py_migration(
    folder: Path, revision: str, slug: str, body: str, *, down_revision: str | None = None
) -> Path:
    """Write ``<revision>_<slug>.py`` with the guide's docstring header and ``body`` below it."""
    title = slug.replace("_", " ")
    text = f'"""{title}\n\nRevision ID: {revision}\nDown Revision: {down_revision}\n"""\n\n{body}'
    path = folder / f"{revision}_{slug}.py"
    path.write_text(text)
    return path
