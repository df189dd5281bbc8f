-- 0008: refunds (退票, src/sales/refunds.cc, docs/after-sale.md "Refunds in the sales service").
--
-- tickets.after_sale: what an after-sale did to an issued ticket — NULL while it is valid,
-- 'refunded' once refunded, 'changed' (改签, later) once moved to another run. The ticket keeps
-- status 'issued' (it was issued; the voucher existed) and turns inactive (active = 0), which
-- frees the passenger's ID on the run and leaves the ticket out of the seat inventory's
-- rebuild. A column rather than a new value in tickets.status: that CHECK cannot be altered on
-- SQLite without rebuilding tickets, which five tables reference; and a column keeps check-in's
-- queries (status = 'issued', revocations marking refunded tickets) as they are. The API shows
-- a refunded ticket's status as "refunded" (COALESCE(after_sale, status)).
ALTER TABLE tickets ADD COLUMN after_sale TEXT CHECK (after_sale IN ('refunded', 'changed'));

-- A refund: one row per ticket (a ticket refunds once: ticket_number UNIQUE). A free child
-- (携童) refunded with its adult has its own row (fee 0), pointing at the adult's (with_refund);
-- the request's Idempotency-Key is on the adult's row only (NULL on the child's).
--
-- The race with a check-in is settled on the ticket's row, not here: the refund's conditional
--   UPDATE tickets SET after_sale = 'refunded', active = 0
--    WHERE ticket_id = $1 AND status = 'issued' AND active = 1 AND after_sale IS NULL
-- and check-in's conditional write of the same row before it inserts into checkins (whose
-- primary key makes a ticket check in once) serialize the two; the refund then refuses a
-- checked-in ticket in the same transaction.
--
-- Money back: 'cash' / 'card' paid out at the window at once (status 'done'); 'provider' asks
-- the payment provider that collected the order to refund (status 'pending' until its signed
-- refund notification, then 'done'; provider_refund_no is its refund transaction, unique);
-- 'none' when nothing is paid back (a free child, a fee that took the whole fare).
-- Amounts in fen: fare = what the passenger paid for this ticket (fare + station fee),
-- fee = kept by the station, refunded = fare − fee.
CREATE TABLE refunds (
  refund_id TEXT PRIMARY KEY,
  ticket_number TEXT NOT NULL UNIQUE REFERENCES tickets (ticket_number),
  order_id TEXT NOT NULL REFERENCES orders (order_id),
  with_refund TEXT REFERENCES refunds (refund_id),
  fare_fen BIGINT NOT NULL CHECK (fare_fen >= 0),
  fee_fen BIGINT NOT NULL CHECK (fee_fen >= 0),
  refunded_fen BIGINT NOT NULL CHECK (refunded_fen >= 0),
  cause TEXT NOT NULL
    CHECK (cause IN ('passenger', 'run_stopped', 'run_delayed', 'missed_by_operator')),
  rule TEXT NOT NULL,
  channel TEXT NOT NULL CHECK (channel IN ('window', 'kiosk', 'mobile', 'platform')),
  station TEXT REFERENCES stations (code),
  staff_username TEXT,
  money_back TEXT NOT NULL CHECK (money_back IN ('cash', 'card', 'provider', 'none')),
  payment_id TEXT REFERENCES payments (payment_id),
  provider TEXT,
  provider_refund_no TEXT UNIQUE,
  status TEXT NOT NULL CHECK (status IN ('pending', 'done')),
  at BIGINT NOT NULL,
  done_at BIGINT,
  idempotency_key TEXT UNIQUE,
  CHECK (fee_fen + refunded_fen = fare_fen),
  CHECK ((money_back = 'provider') = (payment_id IS NOT NULL)),
  CHECK (status = 'done' OR money_back = 'provider'),
  CHECK ((with_refund IS NULL) = (idempotency_key IS NOT NULL))
);

CREATE INDEX refunds_order ON refunds (order_id);
CREATE INDEX refunds_payment ON refunds (payment_id);
