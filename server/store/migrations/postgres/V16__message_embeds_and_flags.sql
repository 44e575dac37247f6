-- A message's rich embeds (Discord's embed objects, as a JSON array, checked against
-- Discord's limits before they are stored) and its flags (SUPPRESS_EMBEDS,
-- SUPPRESS_NOTIFICATIONS). Older messages have none.
ALTER TABLE messages ADD COLUMN embeds TEXT NOT NULL DEFAULT '[]';
ALTER TABLE messages ADD COLUMN flags BIGINT NOT NULL DEFAULT 0;
