-- What each person wants to hear of (Discord's user guild settings), whom they block, and
-- whose members may message them. Only additions: the release before this one runs on it
-- unchanged. Not recorded as a contract although blocks and DM privacy are rules an older
-- node ignores: for the minutes of a rolling upgrade, a DM sent through an older node is not
-- held to them; refusing older nodes would make every upgrade stop the service for that.

-- One guild's notification settings for one person; `guild_id` 0 is their DMs (Discord's
-- `@me`). No foreign key to guilds for that reason: deleting a guild deletes its rows.
CREATE TABLE notification_settings (
    user_id               BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    guild_id              BIGINT NOT NULL,
    -- 0 every message, 1 mentions only, 2 nothing.
    message_notifications SMALLINT NOT NULL,
    muted                 BOOLEAN NOT NULL,
    -- Unix milliseconds the mute ends at; NULL: until turned off.
    mute_end_time         BIGINT,
    -- The length the person picked, in seconds (-1: until turned off), shown back to them.
    mute_window           BIGINT,
    suppress_everyone     BOOLEAN NOT NULL,
    suppress_roles        BOOLEAN NOT NULL,
    mobile_push           BOOLEAN NOT NULL,
    hide_muted_channels   BOOLEAN NOT NULL,
    -- Raised on every change, as Discord's `version`.
    version               BIGINT NOT NULL,
    PRIMARY KEY (user_id, guild_id)
);

-- One channel's override of its guild's settings (a DM's, under guild 0).
CREATE TABLE channel_notification_settings (
    user_id               BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    channel_id            BIGINT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    guild_id              BIGINT NOT NULL,
    -- 0 every message, 1 mentions only, 2 nothing, 3 as the guild says.
    message_notifications SMALLINT NOT NULL,
    muted                 BOOLEAN NOT NULL,
    mute_end_time         BIGINT,
    mute_window           BIGINT,
    collapsed             BOOLEAN NOT NULL,
    PRIMARY KEY (user_id, channel_id)
);
CREATE INDEX channel_notification_settings_guild ON channel_notification_settings (user_id, guild_id);

-- Whom a person blocks (Discord's relationship type 2). Blocks are one-way rows; either
-- direction stops DMs between the two.
CREATE TABLE relationships (
    user_id  BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    other_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind     SMALLINT NOT NULL,
    since    BIGINT NOT NULL,
    PRIMARY KEY (user_id, other_id)
);
CREATE INDEX relationships_other ON relationships (other_id);

-- Who may start a DM with a person: members of the guilds listed here may not (Discord's
-- `restricted_guilds`); `dm_privacy.default_guilds_restricted` adds each guild they join.
CREATE TABLE dm_restricted_guilds (
    user_id  BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    guild_id BIGINT NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, guild_id)
);
CREATE TABLE dm_privacy (
    user_id                   BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    default_guilds_restricted BOOLEAN NOT NULL
);
