-- Accounts, device sessions with rotating refresh tokens, and instance invites.
-- Times are Unix milliseconds (BIGINT) so both backends store them identically.

CREATE TABLE users (
    id                  BIGINT PRIMARY KEY,
    username            TEXT NOT NULL,
    global_name         TEXT,
    email               TEXT,
    password_hash       TEXT,
    is_admin            BOOLEAN NOT NULL DEFAULT FALSE,
    bot                 BOOLEAN NOT NULL DEFAULT FALSE,
    avatar              TEXT,
    failed_logins       BIGINT NOT NULL DEFAULT 0,
    failed_window_start BIGINT,
    locked_until        BIGINT,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    CONSTRAINT users_username_key UNIQUE (username),
    CONSTRAINT users_email_key UNIQUE (email)
);

-- One row: whether the first-account-becomes-admin rule has been spent. A row lock on it
-- makes "exactly one first admin" hold even when two people register at the same moment.
CREATE TABLE instance_state (
    id            BIGINT PRIMARY KEY CHECK (id = 1),
    admin_claimed BOOLEAN NOT NULL
);
INSERT INTO instance_state (id, admin_claimed) VALUES (1, FALSE);

CREATE TABLE sessions (
    id             BIGINT PRIMARY KEY,
    user_id        BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device_id      TEXT NOT NULL,
    device_name    TEXT NOT NULL,
    user_agent     TEXT NOT NULL,
    ip             TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    last_seen_at   BIGINT NOT NULL,
    revoked_at     BIGINT,
    revoked_reason TEXT
);
CREATE INDEX sessions_user_id ON sessions (user_id);

-- A session's refresh tokens form its family; only hashes are kept.
CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    session_id BIGINT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    issued_at  BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX refresh_tokens_session_id ON refresh_tokens (session_id);

CREATE TABLE instance_invites (
    code       TEXT PRIMARY KEY,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    max_uses   BIGINT NOT NULL,
    uses       BIGINT NOT NULL DEFAULT 0,
    expires_at BIGINT,
    created_at BIGINT NOT NULL
);
