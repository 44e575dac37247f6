-- Server mute and deafen (MUTE_MEMBERS, DEAFEN_MEMBERS): kept on the member, so they hold
-- wherever and whenever the member next joins voice, as in Discord.
ALTER TABLE members ADD COLUMN mute BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE members ADD COLUMN deaf BOOLEAN NOT NULL DEFAULT FALSE;
