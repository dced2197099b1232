-- revision: 0001
-- down_revision: None
-- description: Add users table

-- upgrade --
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT UNIQUE NOT NULL,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX idx_users_email ON users(email);

-- downgrade --
DROP INDEX idx_users_email;
DROP TABLE users;
