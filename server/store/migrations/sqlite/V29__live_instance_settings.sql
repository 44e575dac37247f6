-- Instance settings an admin changes live (the admin console), over the `registration` and
-- `guild_creation` settings: NULL means "as the setting says". Read on every use, so a change
-- holds on every node at once. Only additions; an older node keeps following the setting for
-- the minutes of a rolling upgrade (not recorded as a contract, for the same reason as 27).
ALTER TABLE instance_state ADD COLUMN registration TEXT;
ALTER TABLE instance_state ADD COLUMN guild_creation TEXT;
