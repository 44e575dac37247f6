-- Guild bans: a banned user is not a member and cannot join again until unbanned.

CREATE TABLE bans (
    guild_id   BIGINT NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reason     TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);
