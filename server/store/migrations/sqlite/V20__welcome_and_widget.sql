-- A guild's welcome screen (Discord's: whether it is shown, a description and up to five
-- channels to start in), kept as checked JSON; and its widget settings.
ALTER TABLE guilds ADD COLUMN welcome_screen TEXT;
ALTER TABLE guilds ADD COLUMN widget_enabled BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE guilds ADD COLUMN widget_channel_id BIGINT;
