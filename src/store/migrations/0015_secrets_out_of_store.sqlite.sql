-- 0015 on SQLite: as 0015_secrets_out_of_store.sql (read its comment), but issuer_keys is
-- rebuilt without secret_key, since SQLite cannot drop a column that a CHECK names.
-- secure_delete overwrites the deleted rows and the dropped table's pages with zeros, so the
-- secrets do not linger in free pages of the file; it is switched off again at the end.
PRAGMA secure_delete = ON;

CREATE TABLE secrets_guard_0015 (
  secrets_left BIGINT NOT NULL,
  CONSTRAINT move_secrets_to_the_key_file_first CHECK (secrets_left = 0)
);

INSERT INTO secrets_guard_0015 (secrets_left)
SELECT CASE WHEN EXISTS (SELECT 1 FROM node_meta WHERE key = 'secrets_moved_out') THEN 0
            ELSE (SELECT COUNT(*) FROM node_meta WHERE key IN ('id_hash_key', 'id_seal_key'))
                 + (SELECT COUNT(*) FROM issuer_keys WHERE secret_key IS NOT NULL) END;

DROP TABLE secrets_guard_0015;

DELETE FROM node_meta WHERE key IN ('id_hash_key', 'id_seal_key');

CREATE TABLE issuer_keys_0015 (
  key_id TEXT PRIMARY KEY CHECK (length(key_id) BETWEEN 1 AND 32),
  algorithm TEXT NOT NULL CHECK (algorithm IN ('ed25519', 'sm2')),
  public_key TEXT NOT NULL CHECK (length(public_key) BETWEEN 64 AND 130),
  created_at BIGINT NOT NULL,
  retired_at BIGINT
);

INSERT INTO issuer_keys_0015 (key_id, algorithm, public_key, created_at, retired_at)
SELECT key_id, algorithm, public_key, created_at, retired_at FROM issuer_keys;

DROP TABLE issuer_keys;

ALTER TABLE issuer_keys_0015 RENAME TO issuer_keys;

-- At most one active (signing) key per algorithm.
CREATE UNIQUE INDEX issuer_keys_one_active ON issuer_keys (algorithm) WHERE retired_at IS NULL;

PRAGMA secure_delete = OFF;
