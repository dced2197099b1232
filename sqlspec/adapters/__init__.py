"""One small module per database driver: ``asyncpg``, ``aiosqlite`` and the stdlib ``sqlite``."""
