"""Create the server-side session table

Revision ID: 0001
Down Revision: None
"""

from sqlspec.driver import BlockingDriver

TYPES = {"postgres": ("BYTEA", "DOUBLE PRECISION"), "sqlite": ("BLOB", "REAL")}


def upgrade(driver: BlockingDriver) -> None:
    blob, seconds = TYPES[driver.dialect.name]
    driver.execute(
        "CREATE TABLE litestar_session ("
        "session_key VARCHAR(255) NOT NULL PRIMARY KEY, "
        f"data {blob} NOT NULL, "
        f"expires_at {seconds})"
    )
    driver.execute("CREATE INDEX litestar_session_expires_at ON litestar_session (expires_at)")


def downgrade(driver: BlockingDriver) -> None:
    driver.execute("DROP TABLE litestar_session")
