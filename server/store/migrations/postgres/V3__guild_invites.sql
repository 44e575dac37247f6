-- Guild invites: codes that let people join a guild through one of its channels.

CREATE TABLE guild_invites (
    code       TEXT PRIMARY KEY,
    guild_id   BIGINT NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    channel_id BIGINT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    inviter_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    max_age    BIGINT NOT NULL,
    max_uses   BIGINT NOT NULL,
    uses       BIGINT NOT NULL DEFAULT 0,
    expires_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX guild_invites_guild_id ON guild_invites (guild_id);
CREATE INDEX guild_invites_channel_id ON guild_invites (channel_id);
