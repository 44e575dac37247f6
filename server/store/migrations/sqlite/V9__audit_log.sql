-- The audit log: one entry for every moderation and configuration change in a guild.

CREATE TABLE audit_log_entries (
    id          BIGINT PRIMARY KEY,
    guild_id    BIGINT NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    user_id     BIGINT NOT NULL,
    action_type BIGINT NOT NULL,
    target_id   BIGINT,
    changes     TEXT NOT NULL DEFAULT '[]',
    reason      TEXT,
    created_at  BIGINT NOT NULL
);
CREATE INDEX audit_log_guild ON audit_log_entries (guild_id, id);
