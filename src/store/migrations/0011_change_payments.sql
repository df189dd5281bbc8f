-- 0011: online changes that cost more (改签补差, src/sales/changes.cc, docs/after-sale.md
-- "Paying for a dearer change online").
--
-- On the phone or a platform nobody can take cash: a change to a dearer fare first holds the
-- new seat as a held order on the new run (its tickets 'held', changed_from set), recorded in
-- change_holds with the quote. The passenger pays the new order in full through the provider,
-- like any order (payments.order_id = the held order), and the old ticket's fare less the
-- change fee goes back through the old ticket's payment: net, the passenger pays the charge,
-- and every ticket stays backed by one payment, so a later refund or change of the new ticket
-- refunds from one payment. The provider's signed notification completes the change in one
-- transaction: the old tickets end ('changed', revoked), the held tickets are issued, the
-- refund of the old fare (a refunds row, 'pending' until the provider confirms) and the
-- changes rows (payment_id and refund_id) are written. If the hold expires or is cancelled,
-- or the old ticket was checked in or refunded meanwhile, nothing changes on the old ticket;
-- money that arrives anyway is 'paid_after_close' (owed back), as for any order.
--
-- status: 'awaiting_payment' → 'done' (change_id set) | 'expired' | 'cancelled' | 'failed'
-- (reason says why). The request's Idempotency-Key is unique here and on the changes row the
-- completion writes, so a retried request answers with the hold, then with the change.
CREATE TABLE change_holds (
  order_id TEXT PRIMARY KEY REFERENCES orders (order_id),
  old_ticket TEXT NOT NULL REFERENCES tickets (ticket_number),
  old_run_id TEXT NOT NULL REFERENCES runs (run_id),
  change_number INTEGER NOT NULL CHECK (change_number >= 1),
  old_fare_fen BIGINT NOT NULL CHECK (old_fare_fen >= 0),
  new_fare_fen BIGINT NOT NULL CHECK (new_fare_fen >= 0),
  fee_fen BIGINT NOT NULL CHECK (fee_fen >= 0),
  charge_fen BIGINT NOT NULL CHECK (charge_fen > 0),
  rule TEXT NOT NULL,
  channel TEXT NOT NULL CHECK (channel IN ('mobile', 'platform')),
  status TEXT NOT NULL
    CHECK (status IN ('awaiting_payment', 'done', 'expired', 'cancelled', 'failed')),
  reason TEXT,
  change_id TEXT,
  created_at BIGINT NOT NULL,
  idempotency_key TEXT NOT NULL UNIQUE,
  CHECK (charge_fen = new_fare_fen - old_fare_fen + fee_fen),
  CHECK ((status = 'done') = (change_id IS NOT NULL))
);

CREATE INDEX change_holds_old_ticket ON change_holds (old_ticket);

-- changes gains payment_id: the new order's payment through the provider (money 'provider'
-- with a payment and the old fare's refund, where 0010 allowed 'provider' only for a refund
-- of a cheaper fare's difference). Its CHECKs
-- cannot be altered in place on SQLite, so the table is rebuilt, the same way on both engines:
-- nothing else references changes, and its self-reference moves with the rename.
CREATE TABLE changes_next (
  change_id TEXT PRIMARY KEY,
  old_ticket TEXT NOT NULL UNIQUE REFERENCES tickets (ticket_number),
  new_ticket TEXT NOT NULL UNIQUE REFERENCES tickets (ticket_number),
  with_change TEXT REFERENCES changes_next (change_id),
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
  payment_id TEXT REFERENCES payments (payment_id),
  channel TEXT NOT NULL CHECK (channel IN ('window', 'kiosk', 'mobile', 'platform')),
  station TEXT REFERENCES stations (code),
  staff_username TEXT,
  at BIGINT NOT NULL,
  idempotency_key TEXT UNIQUE,
  CHECK (old_run_id <> new_run_id),
  CHECK (charge_fen = 0 OR refund_fen = 0),
  CHECK (charge_fen - refund_fen = new_fare_fen - old_fare_fen + fee_fen),
  CHECK ((money = 'provider') = (refund_id IS NOT NULL OR payment_id IS NOT NULL)),
  CHECK (payment_id IS NULL OR charge_fen > 0),
  CHECK (money_status = 'done' OR refund_id IS NOT NULL),
  CHECK ((with_change IS NULL) = (idempotency_key IS NOT NULL))
);

INSERT INTO changes_next (change_id, old_ticket, new_ticket, with_change, old_run_id,
                          new_run_id, new_order_id, change_number, old_fare_fen, new_fare_fen,
                          fee_fen, charge_fen, refund_fen, rule, money, money_status, refund_id,
                          payment_id, channel, station, staff_username, at, idempotency_key)
SELECT change_id, old_ticket, new_ticket, with_change, old_run_id, new_run_id, new_order_id,
       change_number, old_fare_fen, new_fare_fen, fee_fen, charge_fen, refund_fen, rule, money,
       money_status, refund_id, NULL, channel, station, staff_username, at, idempotency_key
FROM changes;

DROP TABLE changes;

ALTER TABLE changes_next RENAME TO changes;

CREATE INDEX changes_new_order ON changes (new_order_id);
