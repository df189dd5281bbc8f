-- 0015: the node's secrets leave the database for the key file (docs/keys.md,
-- src/store/key_file.h), so that a copy of the database alone opens no sealed ID number
-- (tickets.id_sealed) and signs no voucher.
--
-- Before this migration node_meta held id_hash_key and id_seal_key, and issuer_keys.secret_key
-- the seed of the active voucher key. The node moves them into its key file (written 0600 and
-- synced) in this migration's own transaction, before the statements below run
-- (store::MoveSecretsIntoKeyFile), and leaves node_meta key_fingerprint, a keyed hash of a fixed
-- label that tells whether a key file belongs to this database. The guard refuses the migration
-- if any secret is still here, so a migration run without the key file loses nothing: it fails.
-- The public keys stay in issuer_keys: old vouchers keep verifying. PostgreSQL keeps dropped
-- and deleted values in the table files until they are rewritten: after the upgrade, run
-- VACUUM FULL issuer_keys, node_meta (docs/keys.md).
--
-- This file is PostgreSQL's; SQLite cannot drop a column named by a CHECK and rebuilds the
-- table instead (0015_secrets_out_of_store.sqlite.sql).
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

-- Also drops the CHECK that tied "active" to "has a secret".
ALTER TABLE issuer_keys DROP COLUMN secret_key;
