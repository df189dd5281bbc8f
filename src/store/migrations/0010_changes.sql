-- 0010: changes (改签, src/sales/changes.cc, docs/after-sale.md "Changes in the sales service").
--
-- A change moves an issued ticket to another run: the old ticket turns after_sale = 'changed'
-- (inactive, revoked with reason 'changed') and a new ticket is issued on the new run, in a
-- new order of its own (an order is one run), recording where it came from:
--   tickets.changed_from  the old ticket's number. Following it back gives the ticket's change
--                         chain, which ChangePolicy::max_changes counts.
ALTER TABLE tickets ADD COLUMN changed_from TEXT REFERENCES tickets (ticket_number);

CREATE INDEX tickets_changed_from ON tickets (changed_from);

-- One row per changed ticket (a ticket changes once: old_ticket UNIQUE; a second change is of
-- the new ticket). A free child (携童) moved with its adult has its own row (fee 0), pointing at
-- the adult's (with_change); the request's Idempotency-Key is on the adult's row only.
--
-- Amounts in fen: old_fare / new_fare = what the passenger paid / pays for the ticket (fare +
-- station fee); fee = the change fee (kept by the station); charge − refund = new − old + fee,
-- at most one of them non-zero (core::QuoteChange).
-- money: how the difference moved — 'cash' / 'card' at a window or kiosk at once (status
-- 'done'); 'provider' (a refund of the difference through the order's payment provider,
-- recorded as a refunds row, refund_id, so the provider's refund notification completes it:
-- 'pending' until then); 'none' when nothing moved.
CREATE TABLE changes (
  change_id TEXT PRIMARY KEY,
  old_ticket TEXT NOT NULL UNIQUE REFERENCES tickets (ticket_number),
  new_ticket TEXT NOT NULL UNIQUE REFERENCES tickets (ticket_number),
  with_change TEXT REFERENCES changes (change_id),
  old_run_id TEXT NOT NULL REFERENCES runs (run_id),
  new_run_id TEXT NOT NULL REFERENCES runs (run_id),
  new_order_id TEXT NOT NULL REFERENCES orders (order_id),
  change_number INTEGER NOT NULL CHECK (change_number >= 1),
  old_fare_fen BIGINT NOT NULL CHECK (old_fare_fen >= 0),
  new_fare_fen BIGINT NOT NULL CHECK (new_fare_fen >= 0),
  fee_fen BIGINT NOT NULL CHECK (fee_fen >= 0),
  charge_fen BIGINT NOT NULL CHECK (charge_fen >= 0),
  refund_fen BIGINT NOT NULL CHECK (refund_fen >= 0),
  rule TEXT NOT NULL,
  money TEXT NOT NULL CHECK (money IN ('none', 'cash', 'card', 'provider')),
  money_status TEXT NOT NULL CHECK (money_status IN ('pending', 'done')),
  refund_id TEXT REFERENCES refunds (refund_id),
  channel TEXT NOT NULL CHECK (channel IN ('window', 'kiosk', 'mobile', 'platform')),
  station TEXT REFERENCES stations (code),
  staff_username TEXT,
  at BIGINT NOT NULL,
  idempotency_key TEXT UNIQUE,
  CHECK (old_run_id <> new_run_id),
  CHECK (charge_fen = 0 OR refund_fen = 0),
  CHECK (charge_fen - refund_fen = new_fare_fen - old_fare_fen + fee_fen),
  CHECK ((money = 'provider') = (refund_id IS NOT NULL)),
  CHECK (money_status = 'done' OR money = 'provider'),
  CHECK ((with_change IS NULL) = (idempotency_key IS NOT NULL))
);

CREATE INDEX changes_new_order ON changes (new_order_id);
