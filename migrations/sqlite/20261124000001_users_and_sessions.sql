-- Accounts. Emails are stored lower-cased, so the unique index is case-insensitive.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT    NOT NULL UNIQUE CHECK (email = lower(email)),
    password_hash TEXT    NOT NULL,
    full_name     TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('patient', 'researcher')),
    specialty     TEXT,
    institution   TEXT,
    bio           TEXT,
    created_at    TEXT    NOT NULL
);
CREATE INDEX users_role ON users (role, full_name);

-- Server-side sessions. `id` is the SHA-256 of the cookie's token, so a copy
-- of this table does not let anyone log in. Times are Unix seconds.
CREATE TABLE sessions (
    id           TEXT    PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Failed logins per account, for the hourly limit.
CREATE TABLE login_failures (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    email      TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX login_failures_email ON login_failures (email, created_at);
