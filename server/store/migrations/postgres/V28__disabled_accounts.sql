-- Accounts an instance admin disabled: they cannot sign in, and their sessions were ended when
-- it happened. Only an addition. Not recorded as a contract although it carries a rule: an
-- older node ignores it only for what it alone checks (a new sign-in, a bot token) during the
-- minutes of a rolling upgrade, and the sessions ended at once hold on every node.
ALTER TABLE users ADD COLUMN disabled_at BIGINT;
