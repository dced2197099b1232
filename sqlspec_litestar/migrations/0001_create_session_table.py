"""Create the server-side session table

Revision ID: 0001
Down Revision: None
"""

from sqlspec.driver import BlockingDriver

# On MySQL, DDL commits by itself, so this migration cannot be one transaction there; it runs
# outside one everywhere and is written to be safe to run again (``upgrade --resume``).
transactional = False

TYPES = {
    "postgres": ("BYTEA", "DOUBLE PRECISION"),
    "sqlite": ("BLOB", "REAL"),
    "mysql": ("LONGBLOB", "DOUBLE"),
}


def upgrade(driver: BlockingDriver) -> None:
    blob, seconds = TYPES[driver.dialect.name]
    columns = f"session_key VARCHAR(191) NOT NULL PRIMARY KEY, data {blob} NOT NULL, expires_at {seconds}"
    if driver.dialect.name == "mysql":  # MySQL has no CREATE INDEX IF NOT EXISTS: index inline
        driver.execute(
            f"CREATE TABLE IF NOT EXISTS litestar_session ({columns}, "
            "INDEX litestar_session_expires_at (expires_at))"
        )
        return
    driver.execute(f"CREATE TABLE IF NOT EXISTS litestar_session ({columns})")
    driver.execute("CREATE INDEX IF NOT EXISTS litestar_session_expires_at ON litestar_session (expires_at)")


def downgrade(driver: BlockingDriver) -> None:
    driver.execute("DROP TABLE litestar_session")
