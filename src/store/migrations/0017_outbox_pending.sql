-- 0017: events appended without a shared row (DESIGN.md §5, issue 14 item 2, docs/store.md
-- "Outbox"). Until now store::AppendEvent numbered each event with NextSequence("outbox"), one
-- row that every sale would update: on PostgreSQL that serializes all sales. Now a business
-- transaction only inserts its events here, under an id nobody else touches; one sequencer
-- (store::SequenceEvents, a job of the node) later moves the events of finished transactions
-- into `outbox` with gap-free sequences, in an order no later event can precede.
--   writer: on PostgreSQL the inserting transaction's id (pg_current_xact_id), so the sequencer
--   takes only transactions older than every one still running; on SQLite 0 (one writer at a
--   time: whatever the sequencer sees is committed). SQLite's id is its rowid.
CREATE TABLE outbox_pending (
  id INTEGER PRIMARY KEY,
  writer BIGINT NOT NULL DEFAULT 0,
  kind TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 40),
  subject TEXT NOT NULL,
  at BIGINT NOT NULL,
  body TEXT NOT NULL
);
