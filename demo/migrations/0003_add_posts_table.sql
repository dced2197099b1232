-- revision: 0003
-- down_revision: 0002
-- description: Add posts table

-- upgrade --
CREATE TABLE posts (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    title TEXT NOT NULL
);

-- Keep a count of posts per user; the trigger body has semicolons of its own.
ALTER TABLE users ADD COLUMN post_count INTEGER NOT NULL DEFAULT 0;
CREATE TRIGGER posts_count AFTER INSERT ON posts BEGIN
    UPDATE users SET post_count = post_count + 1 WHERE id = NEW.user_id;
END;

-- downgrade --
DROP TRIGGER posts_count;
ALTER TABLE users DROP COLUMN post_count;
DROP TABLE posts;
