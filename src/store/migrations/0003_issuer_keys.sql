-- 0003: the issuer keys that sign this node's e-ticket vouchers (电子客票签发密钥),
-- src/eticket/issuer_keys.h and docs/eticket.md.
--
-- key_id is "{province}-{algorithm}-{serial}" (37-ed25519-0001). public_key and secret_key are
-- lower-case hex: for Ed25519 the 32-byte public key and the 32-byte seed it derives from.
-- The secret lives in the node's database so that a node needs nothing else to issue vouchers.
-- In production it belongs in an HSM or a KMS. A retired key only verifies: its secret is
-- erased when it is retired, so a copy of the database taken later cannot sign under it.
-- Instants are BIGINT unix microseconds.
CREATE TABLE issuer_keys (
  key_id TEXT PRIMARY KEY CHECK (length(key_id) BETWEEN 1 AND 32),
  algorithm TEXT NOT NULL CHECK (algorithm IN ('ed25519', 'sm2')),
  public_key TEXT NOT NULL CHECK (length(public_key) BETWEEN 64 AND 130),
  secret_key TEXT CHECK (length(secret_key) = 64),
  created_at BIGINT NOT NULL,
  retired_at BIGINT,
  CHECK ((retired_at IS NULL AND secret_key IS NOT NULL)
         OR (retired_at IS NOT NULL AND secret_key IS NULL))
);

-- At most one active (signing) key per algorithm.
CREATE UNIQUE INDEX issuer_keys_one_active ON issuer_keys (algorithm) WHERE retired_at IS NULL;
