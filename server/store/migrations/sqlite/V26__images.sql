-- Images set by data URI: a guild's banner (its icon and users' avatars already have a
-- column), and guilds' custom emoji. The bytes live in object storage under the hash or id
-- these rows name. Only additions: the release before this one runs on it unchanged.
ALTER TABLE guilds ADD COLUMN banner TEXT;
CREATE TABLE guild_emojis (
    id         BIGINT PRIMARY KEY,
    guild_id   BIGINT NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    -- Who uploaded it (Discord shows them to those who may manage emoji).
    creator_id BIGINT NOT NULL,
    animated   BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX guild_emojis_guild ON guild_emojis (guild_id);
-- Uploads sent ahead of their message (Discord's two-step upload): an image's dimensions, and
-- when the bytes were whole (NULL while they arrive), so a message can take one by id alone.
ALTER TABLE attachments ADD COLUMN width BIGINT;
ALTER TABLE attachments ADD COLUMN height BIGINT;
ALTER TABLE attachments ADD COLUMN arrived_at BIGINT;
