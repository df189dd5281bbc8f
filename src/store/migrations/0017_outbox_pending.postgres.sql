-- PostgreSQL's variant of 0017_outbox_pending.sql: the id is an identity column (a sequence,
-- which takes no row lock) and the writer is the inserting transaction's 64-bit id.
CREATE TABLE outbox_pending (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  writer BIGINT NOT NULL DEFAULT (CAST(CAST(pg_current_xact_id() AS TEXT) AS BIGINT)),
  kind TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 40),
  subject TEXT NOT NULL,
  at BIGINT NOT NULL,
  body TEXT NOT NULL
);

CREATE INDEX outbox_pending_order ON outbox_pending (writer, id);
