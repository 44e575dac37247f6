-- A person's own messages and uploaded files in id order, for the export of their data (and
-- later the deletion of their content): without these each page would read every row.
-- Building them holds off writes to those tables meanwhile (docs/operations.md: upgrade at a
-- quiet hour).
CREATE INDEX messages_author ON messages (author_id, id);
CREATE INDEX attachments_uploader ON attachments (uploader_id, id);
