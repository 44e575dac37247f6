-- Thread metadata (threads are channels of kind 11 whose parent is a text channel).

ALTER TABLE channels ADD COLUMN auto_archive_duration BIGINT;
ALTER TABLE channels ADD COLUMN archive_timestamp BIGINT;
ALTER TABLE channels ADD COLUMN locked BOOLEAN NOT NULL DEFAULT FALSE;
