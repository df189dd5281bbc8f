-- Paper reimbursement tickets (报销凭证, src/sales/reimbursement_tickets.h, docs/after-sale.md):
-- every print of one (or, for a refunded ticket, of its refund fee receipt, 退票费收据), the
-- first and each supervisor-approved reprint (重打), so a document is printed once unless a
-- named supervisor approved another, and every print is on record.
--   PRIMARY KEY (ticket_number, kind, sequence): two racing first prints cannot both be 1;
--   idempotency_key UNIQUE: a retried request finds its print instead of printing again.
CREATE TABLE reimbursement_prints (
  ticket_number TEXT NOT NULL REFERENCES tickets (ticket_number),
  sequence INTEGER NOT NULL CHECK (sequence >= 1),
  kind TEXT NOT NULL CHECK (kind IN ('reimbursement', 'refund_receipt')),
  printed_at BIGINT NOT NULL,
  station TEXT NOT NULL REFERENCES stations (code),
  channel TEXT NOT NULL CHECK (channel IN ('window', 'kiosk')),
  printed_by TEXT NOT NULL,
  approved_by TEXT,
  idempotency_key TEXT NOT NULL UNIQUE CHECK (length(idempotency_key) BETWEEN 1 AND 128),
  PRIMARY KEY (ticket_number, kind, sequence),
  CHECK ((sequence = 1 AND approved_by IS NULL) OR (sequence > 1 AND approved_by IS NOT NULL))
);

-- A passenger's tickets by the keyed hash of their ID: collection by ID swipe (取票), and the
-- gates' ID-card check-in.
CREATE INDEX tickets_id_hash ON tickets (id_hash);
