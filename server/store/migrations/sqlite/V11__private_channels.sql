-- Direct messages (type 1) and group DMs (type 3) live in `channels` with no guild, so
-- messages, reactions, pins and read states work on them unchanged. `dm_key` ("low:high"
-- user ids) makes a 1:1 DM unique per pair of users, even when both open it at once.
--
-- SQLite cannot drop NOT NULL in place, so `channels` is rebuilt (SQLite's documented
-- twelve-step procedure). The migration connection runs with foreign keys off, so dropping
-- the old table cascades nothing; the runner checks every foreign key afterwards.

CREATE TABLE channels_rebuilt (
    id                    BIGINT PRIMARY KEY,
    guild_id              BIGINT REFERENCES guilds (id) ON DELETE CASCADE,
    kind                  BIGINT NOT NULL,
    name                  TEXT NOT NULL,
    position              BIGINT NOT NULL DEFAULT 0,
    parent_id             BIGINT,
    topic                 TEXT,
    nsfw                  BOOLEAN NOT NULL DEFAULT FALSE,
    rate_limit_per_user   BIGINT NOT NULL DEFAULT 0,
    bitrate               BIGINT,
    user_limit            BIGINT,
    archived              BOOLEAN NOT NULL DEFAULT FALSE,
    owner_id              BIGINT,
    created_at            BIGINT NOT NULL,
    auto_archive_duration BIGINT,
    archive_timestamp     BIGINT,
    locked                BOOLEAN NOT NULL DEFAULT FALSE,
    icon                  TEXT,
    dm_key                TEXT
);
INSERT INTO channels_rebuilt (id, guild_id, kind, name, position, parent_id, topic, nsfw, rate_limit_per_user,
                              bitrate, user_limit, archived, owner_id, created_at, auto_archive_duration,
                              archive_timestamp, locked)
SELECT id, guild_id, kind, name, position, parent_id, topic, nsfw, rate_limit_per_user,
       bitrate, user_limit, archived, owner_id, created_at, auto_archive_duration,
       archive_timestamp, locked
FROM channels;
DROP TABLE channels;
ALTER TABLE channels_rebuilt RENAME TO channels;
CREATE INDEX channels_guild_id ON channels (guild_id);
CREATE INDEX channels_parent_id ON channels (parent_id);
CREATE UNIQUE INDEX channels_dm_key ON channels (dm_key);

-- Who is in a private channel. `closed`: the user closed the DM; it leaves their list until
-- a new message arrives.
CREATE TABLE channel_recipients (
    channel_id BIGINT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    closed     BOOLEAN NOT NULL DEFAULT FALSE,
    added_at   BIGINT NOT NULL,
    PRIMARY KEY (channel_id, user_id)
);
CREATE INDEX channel_recipients_user_id ON channel_recipients (user_id);
