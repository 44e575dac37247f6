-- Expand/contract (docs/operations.md, "Upgrades and migrations"): a migration that drops or
-- renames something, or changes a column's type, is a contract migration and records itself
-- here (scripts/check-migrations refuses one that does not). A Parley build runs on any schema
-- at or after its own version with no contract beyond it: older pods keep serving while a
-- rolling upgrade's migrations add what the new release needs.
CREATE TABLE schema_contracts (
    version BIGINT PRIMARY KEY,
    -- What it removed or changed, and since which release nothing reads it.
    note    TEXT NOT NULL
);
