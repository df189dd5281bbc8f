-- 0001: node metadata and gap-free counters. (schema_migrations itself is created by the
-- store before any migration runs.)

-- Node settings: node id, province, active issuer key ids, … One row per key.
CREATE TABLE node_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- Gap-free counters such as the ticket sequence; advanced only by store::NextSequence inside
-- the caller's transaction, so a rolled-back transaction does not use up a number.
CREATE TABLE sequences (
  name TEXT PRIMARY KEY,
  value BIGINT NOT NULL CHECK (value >= 0)
);
