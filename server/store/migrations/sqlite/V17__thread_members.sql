-- Who has joined which thread (Discord's thread members): a thread's starter on starting it,
-- anyone who writes in it, and whoever joins or is added through the thread-members routes.
-- `flags` are Discord's notification settings for the member (always 0 today). A thread's
-- rows go with it; a member who leaves the guild has theirs removed by the store.
CREATE TABLE thread_members (
    thread_id      BIGINT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    user_id        BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    join_timestamp BIGINT NOT NULL,
    flags          BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (thread_id, user_id)
);
CREATE INDEX thread_members_user_id ON thread_members (user_id);

-- Threads started before this migration: their starters and everyone who wrote in them are
-- members (as they would have become), joined when they started it or first wrote there.
INSERT INTO thread_members (thread_id, user_id, join_timestamp)
SELECT c.id, c.owner_id, c.created_at FROM channels c
WHERE c.kind = 11 AND c.owner_id IS NOT NULL
  AND EXISTS (SELECT 1 FROM members m WHERE m.guild_id = c.guild_id AND m.user_id = c.owner_id)
ON CONFLICT DO NOTHING;
INSERT INTO thread_members (thread_id, user_id, join_timestamp)
SELECT msg.channel_id, msg.author_id, MIN(msg.created_at) FROM messages msg
JOIN channels c ON c.id = msg.channel_id AND c.kind = 11
WHERE EXISTS (SELECT 1 FROM members m WHERE m.guild_id = c.guild_id AND m.user_id = msg.author_id)
GROUP BY msg.channel_id, msg.author_id
ON CONFLICT DO NOTHING;
