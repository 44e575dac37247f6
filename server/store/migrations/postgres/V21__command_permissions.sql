-- Who may use an application's commands in a guild, beyond the commands' own
-- `default_member_permissions`: Discord's command permissions. One row per application,
-- guild and command; `command_id` is a command's id, or the application's id for the
-- overwrites that apply to all its commands without their own. `permissions` is the checked
-- list of up to 100 `{id, type, permission}` (role 1, user 2, channel 3) as JSON: it is only
-- ever read whole, to answer the API or to decide whether someone may use a command.
CREATE TABLE application_command_permissions (
    application_id BIGINT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    guild_id       BIGINT NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    command_id     BIGINT NOT NULL,
    permissions    TEXT NOT NULL,
    PRIMARY KEY (application_id, guild_id, command_id)
);
CREATE INDEX application_command_permissions_guild_id ON application_command_permissions (guild_id);
