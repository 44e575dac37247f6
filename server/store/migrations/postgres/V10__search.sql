-- Full-text search over message content ('simple' configuration: no language stemming, so
-- every language is searched alike).

CREATE INDEX messages_search ON messages USING GIN (to_tsvector('simple', content));
