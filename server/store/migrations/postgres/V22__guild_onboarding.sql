-- A guild's onboarding (Discord's: the channels newcomers start in and the questions they are
-- asked, each option granting roles and channels), kept as checked JSON: it is only ever
-- read whole. A guild without a row has never set it.
CREATE TABLE guild_onboarding (
    guild_id   BIGINT PRIMARY KEY REFERENCES guilds (id) ON DELETE CASCADE,
    onboarding TEXT NOT NULL
);
