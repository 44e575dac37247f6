-- Events waiting to reach the shared event log (Redis), written in the same transaction as
-- the change they announce (a message), so an acknowledged change is announced even if its
-- node dies before publishing it: any node publishes rows older than a few seconds, and the
-- log appends each row's event once. A row goes once its event is in the log.
CREATE TABLE event_outbox (
    id         BIGINT PRIMARY KEY,
    event      TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX event_outbox_created_at ON event_outbox (created_at);
