"""The demo behind `make demo`: a few migrations on an embedded SQLite database, up and one back.

It uses the sync config (stdlib sqlite3) exactly as a script would; the async configs take the same
calls with ``await``.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from sqlspec.adapters.sqlite import SqliteConfig

HERE = Path(__file__).parent
WORK = HERE / ".work"


def show_history(config: SqliteConfig) -> None:
    print(f"  {'revision':<10}{'description':<20}{'type':<6}{'status':<9}applied at")
    for entry in config.migration_history():
        applied_at = entry.applied_at or "-"
        print(f"  {entry.revision:<10}{entry.description:<20}{entry.type:<6}{entry.status:<9}{applied_at}")


def main() -> None:
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir()
    database = WORK / "demo.db"
    config = SqliteConfig(
        connection_config={"database": str(database)},
        migration_config={"script_location": str(HERE / "migrations")},
    )

    print(f"Database: {database} (fresh)\n\nHistory before:")
    show_history(config)

    print("\nconfig.migrate_up('head'):")
    for run in config.migrate_up("head"):
        print(f"  applied {run.revision} {run.description} ({run.duration_ms:.1f} ms)")
    print("config.migrate_up('head') again:", config.migrate_up("head") or "nothing pending")

    with sqlite3.connect(database) as connection:
        connection.execute("INSERT INTO posts (user_id, title) VALUES (1, 'Hello')")
        users = connection.execute("SELECT name, post_count FROM users ORDER BY id").fetchall()
    print("users (name, post_count):", users)

    print("\nHistory after:")
    show_history(config)

    print("\nconfig.migrate_down('-1'):")
    for run in config.migrate_down("-1"):
        print(f"  reverted {run.revision} {run.description} ({run.duration_ms:.1f} ms)")
    print("current revision:", config.current_revision())


if __name__ == "__main__":
    main()
