-- Guilds with their roles, members and channels. Permission bits are stored as BIGINT
-- (Discord's bits fit in 63); times are Unix milliseconds.

CREATE TABLE guilds (
    id          BIGINT PRIMARY KEY,
    name        TEXT NOT NULL,
    owner_id    BIGINT NOT NULL REFERENCES users (id),
    icon        TEXT,
    description TEXT,
    created_at  BIGINT NOT NULL
);
CREATE INDEX guilds_owner_id ON guilds (owner_id);

-- @everyone is the role whose id equals its guild's id.
CREATE TABLE roles (
    id          BIGINT PRIMARY KEY,
    guild_id    BIGINT NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    color       BIGINT NOT NULL DEFAULT 0,
    hoist       BOOLEAN NOT NULL DEFAULT FALSE,
    mentionable BOOLEAN NOT NULL DEFAULT FALSE,
    position    BIGINT NOT NULL,
    permissions BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX roles_guild_id ON roles (guild_id);

CREATE TABLE members (
    guild_id                     BIGINT NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    user_id                      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    nick                         TEXT,
    joined_at                    BIGINT NOT NULL,
    communication_disabled_until BIGINT,
    PRIMARY KEY (guild_id, user_id)
);
CREATE INDEX members_user_id ON members (user_id);

CREATE TABLE member_roles (
    guild_id BIGINT NOT NULL,
    user_id  BIGINT NOT NULL,
    role_id  BIGINT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    PRIMARY KEY (guild_id, user_id, role_id),
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);

-- Text (0), voice (2), category (4) and public thread (11) channels. `parent_id` is the
-- category of a channel, or the parent channel of a thread.
CREATE TABLE channels (
    id                  BIGINT PRIMARY KEY,
    guild_id            BIGINT NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    kind                BIGINT NOT NULL,
    name                TEXT NOT NULL,
    position            BIGINT NOT NULL DEFAULT 0,
    parent_id           BIGINT,
    topic               TEXT,
    nsfw                BOOLEAN NOT NULL DEFAULT FALSE,
    rate_limit_per_user BIGINT NOT NULL DEFAULT 0,
    bitrate             BIGINT,
    user_limit          BIGINT,
    archived            BOOLEAN NOT NULL DEFAULT FALSE,
    owner_id            BIGINT,
    created_at          BIGINT NOT NULL
);
CREATE INDEX channels_guild_id ON channels (guild_id);
CREATE INDEX channels_parent_id ON channels (parent_id);

-- At most one overwrite per target per channel; `kind` 0 is a role, 1 a member.
CREATE TABLE channel_overwrites (
    channel_id BIGINT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    target_id  BIGINT NOT NULL,
    kind       BIGINT NOT NULL,
    allow_bits BIGINT NOT NULL,
    deny_bits  BIGINT NOT NULL,
    PRIMARY KEY (channel_id, target_id)
);
