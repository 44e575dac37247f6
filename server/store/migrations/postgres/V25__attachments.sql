-- Uploaded files. A message's `attachments` column holds what clients see of its files
-- (each one's id, name, type, size and dimensions, as JSON, like its embeds); the attachments
-- table is the ledger of the objects in storage: who uploaded which, how big, and when the
-- sweeper removes it. Only additions: the release before this one runs on it unchanged (its
-- messages get '[]').
ALTER TABLE messages ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]';
CREATE TABLE attachments (
    id           BIGINT PRIMARY KEY,
    channel_id   BIGINT NOT NULL,
    uploader_id  BIGINT NOT NULL,
    -- The message showing it; NULL while an upload waits for its message.
    message_id   BIGINT,
    object_key   TEXT NOT NULL,
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    -- When the sweeper deletes the object and then this row (Unix milliseconds): an upload
    -- no message took, or a deleted message's file once its grace period ends. NULL while a
    -- message shows it.
    sweep_at     BIGINT
);
CREATE INDEX attachments_message ON attachments (message_id);
CREATE INDEX attachments_sweep ON attachments (sweep_at);
-- The bytes each user's uploads take in storage (user 0: the whole instance), changed in
-- the transactions that change the ledger, so a quota is checked and charged at once.
CREATE TABLE file_usage (
    user_id BIGINT PRIMARY KEY,
    bytes   BIGINT NOT NULL
);
