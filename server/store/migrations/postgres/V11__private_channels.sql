-- Direct messages (type 1) and group DMs (type 3) live in `channels` with no guild, so
-- messages, reactions, pins and read states work on them unchanged. `dm_key` ("low:high"
-- user ids) makes a 1:1 DM unique per pair of users, even when both open it at once.

ALTER TABLE channels ALTER COLUMN guild_id DROP NOT NULL;
ALTER TABLE channels ADD COLUMN icon TEXT;
ALTER TABLE channels ADD COLUMN dm_key TEXT;
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
