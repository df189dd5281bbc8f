-- The event outbox (DESIGN.md §5, docs/store.md "Outbox") and per-station settings.
--
-- outbox: every business event a province exchanges with the national hub (departed; later
-- sold, refunded, changed, checked in, settled), appended in the same transaction as the change
-- it reports, numbered without gaps (store::NextSequence "outbox"), so a shipper that sends
-- everything after the hub's acknowledged sequence loses nothing and sends nothing twice.
-- kind names the event; subject is what it is about (a run id, a ticket number); body is a
-- flat JSON object of the event's fields. Rows are never changed.
CREATE TABLE outbox (
  sequence BIGINT PRIMARY KEY CHECK (sequence > 0),
  kind TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 40),
  subject TEXT NOT NULL,
  at BIGINT NOT NULL,
  body TEXT NOT NULL
);

CREATE INDEX outbox_subject ON outbox (subject);

-- A station's own settings where it departs from the province's policy (DESIGN.md §3: "the
-- check-in window … is a station setting"). NULL: the province's default.
CREATE TABLE station_settings (
  station TEXT PRIMARY KEY REFERENCES stations (code),
  checkin_opens_minutes INTEGER CHECK (checkin_opens_minutes BETWEEN 1 AND 1440),
  checkin_closes_minutes INTEGER CHECK (checkin_closes_minutes BETWEEN 0 AND 1439),
  updated_at BIGINT NOT NULL,
  updated_by TEXT NOT NULL,
  CHECK (checkin_closes_minutes IS NULL OR checkin_opens_minutes IS NULL
         OR checkin_closes_minutes < checkin_opens_minutes)
);
