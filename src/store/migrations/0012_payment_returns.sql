-- 0012: money taken for a closed order goes back (src/sales/payments.cc, docs/after-sale.md
-- "Money owed back").
--
-- A provider may report a payment after its order's hold lapsed or was cancelled, or after a
-- held change (0011) could not complete: the payment is 'paid_after_close' and no ticket was
-- issued for it. The node returns it whole through the same provider: one row per such
-- payment (payment_id UNIQUE), written in the transaction that applies the notification,
-- 'pending' until the provider's signed refund notification (on the refund-notify path, like
-- a ticket refund's), then 'done' with the provider's refund number. Pending rows, here and in
-- refunds, are asked of the provider again by the node's background sweep
-- (SalesService::RetryProviderRefunds): asking twice is harmless, the provider keys on
-- return_id / refund_id.
CREATE TABLE payment_returns (
  return_id TEXT PRIMARY KEY,
  payment_id TEXT NOT NULL UNIQUE REFERENCES payments (payment_id),
  provider TEXT NOT NULL,
  amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
  reason TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'done')),
  provider_refund_no TEXT UNIQUE,
  at BIGINT NOT NULL,
  done_at BIGINT,
  CHECK ((status = 'done') = (done_at IS NOT NULL))
);

-- The sweep's look-ups: what is still owed, oldest first.
CREATE INDEX payment_returns_pending ON payment_returns (at) WHERE status = 'pending';
CREATE INDEX refunds_pending ON refunds (at) WHERE status = 'pending';
