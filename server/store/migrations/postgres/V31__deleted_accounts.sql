-- Accounts deleted by their owner or an instance admin: the row stays, anonymised ("Deleted
-- User", no email, password or avatar), so the messages kept under it still name an author.
-- Only an addition (an older node sees a disabled account without a password).
ALTER TABLE users ADD COLUMN deleted_at BIGINT;
