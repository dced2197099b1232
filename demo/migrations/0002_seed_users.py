"""Seed users

Revision ID: 0002
Down Revision: 0001
"""

PEOPLE = [("Ada", "ada@example.com"), ("Grace", "grace@example.com"), ("Linus", "linus@example.com")]


def upgrade(driver):
    for name, email in PEOPLE:
        driver.execute("INSERT INTO users (name, email) VALUES (?, ?)", name, email)


def downgrade(driver):
    driver.execute("DELETE FROM users")
