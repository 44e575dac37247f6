-- Messages. Mentions are stored as JSON arrays of ids (text) so both backends store them alike.

CREATE TABLE messages (
    id                   BIGINT PRIMARY KEY,
    channel_id           BIGINT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    guild_id             BIGINT,
    author_id            BIGINT NOT NULL REFERENCES users (id),
    content              TEXT NOT NULL,
    nonce                TEXT,
    kind                 BIGINT NOT NULL DEFAULT 0,
    reference_message_id BIGINT,
    mention_everyone     BOOLEAN NOT NULL DEFAULT FALSE,
    mentions             TEXT NOT NULL DEFAULT '[]',
    mention_roles        TEXT NOT NULL DEFAULT '[]',
    pinned               BOOLEAN NOT NULL DEFAULT FALSE,
    edited_at            BIGINT,
    created_at           BIGINT NOT NULL
);
-- History reads walk one channel's messages by id.
CREATE INDEX messages_channel_id_id ON messages (channel_id, id);
-- A retried send with the same nonce finds the first one instead of making another.
CREATE UNIQUE INDEX messages_nonce ON messages (channel_id, author_id, nonce) WHERE nonce IS NOT NULL;
-- Slowmode asks for an author's latest message in a channel.
CREATE INDEX messages_channel_author ON messages (channel_id, author_id, id);
