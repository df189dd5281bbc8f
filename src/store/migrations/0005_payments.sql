-- 0005: online payments (src/sales/payment_provider.h). One row per payment the node asked a
-- provider to collect. The provider's signed notification moves it from 'pending' to 'paid'
-- exactly once (conditional update); its trade_no is unique, so one provider transaction can
-- never pay two payments. 'paid_after_close' is money taken for an order that had already
-- expired or been cancelled: it is owed back to the passenger (refunds, issue 5).
-- Instants are BIGINT unix microseconds.
CREATE TABLE payments (
  payment_id TEXT PRIMARY KEY,
  order_id TEXT NOT NULL REFERENCES orders (order_id),
  provider TEXT NOT NULL,
  amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
  status TEXT NOT NULL CHECK (status IN ('pending', 'paid', 'paid_after_close', 'failed')),
  idempotency_key TEXT UNIQUE,
  trade_no TEXT UNIQUE,
  notify_id TEXT,
  created_at BIGINT NOT NULL,
  notified_at BIGINT,
  notifications INTEGER NOT NULL DEFAULT 0
);

-- At most one payment in flight per order.
CREATE UNIQUE INDEX payments_one_pending ON payments (order_id) WHERE status = 'pending';
