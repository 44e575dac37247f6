-- The audit log filtered by who acted (GET /guilds/{id}/audit-logs?user_id=, how moderators
-- review one moderator's actions) read every entry of the guild; this index finds one user's
-- entries newest first. An index only adds: the release before this one runs on it unchanged
-- (docs/operations.md, "Upgrades and migrations").
CREATE INDEX audit_log_guild_user ON audit_log_entries (guild_id, user_id, id);
