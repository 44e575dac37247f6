-- Failed logins for names that belong to no account, counted like an account's own
-- (users.failed_logins), so that a name that does not exist is locked out exactly like one
-- that does and the lockout answer does not tell who has an account. Rows whose window and
-- lock have passed are purged with expired sessions.
CREATE TABLE login_failures (
    login_key           TEXT PRIMARY KEY,
    failed_logins       BIGINT NOT NULL,
    failed_window_start BIGINT NOT NULL,
    locked_until        BIGINT
);
