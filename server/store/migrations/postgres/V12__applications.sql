-- Applications and their bot users. An application's id is its bot user's id (as it was
-- for Discord's early bots), so a bot token names both. Only the token's SHA-256 is kept.
-- `flags` holds Discord's application flags; Parley reads the privileged-intent ones.

CREATE TABLE applications (
    id          BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    owner_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    bot_public  BOOLEAN NOT NULL DEFAULT TRUE,
    flags       BIGINT NOT NULL DEFAULT 0,
    token_hash  TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX applications_owner_id ON applications (owner_id);
