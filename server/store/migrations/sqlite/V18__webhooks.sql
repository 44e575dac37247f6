-- Channel webhooks: a name and a token that lets whoever holds it post into one channel (or
-- its threads). Each webhook has a user row of its own with the same id (bot, no password,
-- username `webhook:<id>`, which no person can register), as Discord's webhook authors are
-- pseudo-users: its messages' author_id names it, and they outlive the webhook.
-- The token is kept as it is, not hashed: as on Discord, members with MANAGE_WEBHOOKS read it
-- back (bots find "their" webhook by listing a channel's and post with its token); it grants
-- nothing beyond posting into that channel and editing or deleting its own messages, and
-- deleting the webhook revokes it.
CREATE TABLE webhooks (
    id         BIGINT PRIMARY KEY REFERENCES users (id),
    guild_id   BIGINT NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    channel_id BIGINT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    creator_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    name       TEXT NOT NULL,
    token      TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX webhooks_channel_id ON webhooks (channel_id);
CREATE INDEX webhooks_guild_id ON webhooks (guild_id);

-- A message a webhook posted, under the name and avatar it was posted with.
ALTER TABLE messages ADD COLUMN webhook_id BIGINT;
ALTER TABLE messages ADD COLUMN webhook_name TEXT;
ALTER TABLE messages ADD COLUMN webhook_avatar_url TEXT;
