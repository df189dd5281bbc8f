-- Ticket sales (售票服务, src/sales, docs/sales.md): orders, their tickets, and the seat
-- segments each ticket occupies.
--
-- The in-memory seat inventory decides; these constraints make sure that even a bug there
-- cannot sell a seat twice or give one ID two seats on one run:
--   seat_segments  PRIMARY KEY (run_id, seat, segment): a segment of a seat is held once;
--   tickets_one_seat_per_id: one active ticket per passenger ID per run.

-- An order: one run, one trip, up to 5 passengers, one payment.
CREATE TABLE orders (
  order_id TEXT PRIMARY KEY,
  run_id TEXT NOT NULL REFERENCES runs (run_id),
  from_index INTEGER NOT NULL CHECK (from_index >= 0),
  to_index INTEGER NOT NULL,
  channel TEXT NOT NULL CHECK (channel IN ('window', 'kiosk', 'mobile', 'platform')),
  seller_station TEXT REFERENCES stations (code),
  staff_username TEXT,
  status TEXT NOT NULL CHECK (status IN ('held', 'paid', 'issued', 'expired', 'cancelled')),
  amount_fen BIGINT NOT NULL CHECK (amount_fen >= 0),
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  paid_at BIGINT,
  payment_method TEXT,
  idempotency_key TEXT UNIQUE,
  request_hash TEXT NOT NULL,
  CHECK (from_index < to_index)
);

CREATE INDEX orders_held ON orders (status, expires_at);

-- A ticket: one passenger of an order. The number (20 digits) is given when the order is
-- issued. seat 0 = a free child (携童) without a seat, attached to an adult's ticket.
CREATE TABLE tickets (
  ticket_id TEXT PRIMARY KEY,
  ticket_number TEXT UNIQUE,
  order_id TEXT NOT NULL REFERENCES orders (order_id),
  passenger_index INTEGER NOT NULL CHECK (passenger_index BETWEEN 0 AND 9),
  run_id TEXT NOT NULL REFERENCES runs (run_id),
  from_index INTEGER NOT NULL,
  to_index INTEGER NOT NULL,
  from_station TEXT NOT NULL REFERENCES stations (code),
  to_station TEXT NOT NULL REFERENCES stations (code),
  seat INTEGER NOT NULL CHECK (seat BETWEEN 0 AND 70),
  fare_type TEXT NOT NULL CHECK (fare_type IN ('adult', 'child', 'free_child', 'discount')),
  passenger_name TEXT NOT NULL,
  id_type TEXT NOT NULL,
  id_hash TEXT NOT NULL,
  id_masked TEXT NOT NULL,
  id_sealed TEXT NOT NULL,
  fare_fen BIGINT NOT NULL CHECK (fare_fen >= 0),
  station_fee_fen BIGINT NOT NULL CHECK (station_fee_fen >= 0),
  cap_fen BIGINT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('held', 'issued', 'released')),
  active INTEGER NOT NULL CHECK (active IN (0, 1)),
  attached_to TEXT REFERENCES tickets (ticket_id),
  issued_at BIGINT,
  UNIQUE (order_id, passenger_index),
  CHECK (from_index < to_index),
  CHECK ((fare_type = 'free_child') = (seat = 0))
);

CREATE UNIQUE INDEX tickets_one_seat_per_id ON tickets (run_id, id_hash) WHERE active = 1;
CREATE INDEX tickets_run ON tickets (run_id, active);
CREATE INDEX tickets_order ON tickets (order_id);

-- The segments of a seat held by an active ticket; deleted when the ticket is released.
CREATE TABLE seat_segments (
  run_id TEXT NOT NULL,
  seat INTEGER NOT NULL CHECK (seat BETWEEN 1 AND 70),
  segment INTEGER NOT NULL CHECK (segment BETWEEN 0 AND 62),
  ticket_id TEXT NOT NULL REFERENCES tickets (ticket_id),
  PRIMARY KEY (run_id, seat, segment)
);

CREATE INDEX seat_segments_ticket ON seat_segments (ticket_id);
