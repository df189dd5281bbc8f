// Issuer keys (签发密钥): the node's keys that sign e-ticket vouchers — public keys in its
// database (table issuer_keys, migrations 0003 and 0015), signing seeds in its key file
// (store/key_file.h) — and the trust list built from them.
//
//   Result<std::unique_ptr<IssuerKeyStore>> keys =
//       IssuerKeyStore::Open(*store, *key_file, *core::ProvinceCode::Parse("37"), clock);
//   std::shared_ptr<const VoucherSigner> signer = (*keys)->ActiveSigner();
//   Result<std::string> text = signer->Issue(payload);                  // sales
//   Result<VoucherPayload> p = (*keys)->Verifier()->Verify(text);       // checkin
//   std::vector<IssuerPublicKey> published = (*keys)->PublicKeys();     // GET /keys
//   Result<std::string> new_id = (*keys)->Rotate();                     // "37-ed25519-0002"
//
// The first key is generated when a node first opens its database (Open). Rotate() makes a new
// active key and retires the old one: a retired key never signs again (its seed is erased from
// the key file) but stays in the trust list, so vouchers already issued keep verifying.
// Key ids are "{province}-ed25519-{serial:04}", serials counting up from 1.
//
// Custody: the seed of the active key is in the key file (`voucher_seed.<key_id>=<hex>`), never
// in the database, so a copy of the database cannot sign. A new seed is written and synced to
// the key file before the transaction that publishes its public key commits. In production the
// seed should live in an HSM or a KMS that signs on the node's behalf; VoucherSigner is the
// seam where that would go. See docs/keys.md and docs/eticket.md, "Keys".
//
// Several nodes of one province sharing one PostgreSQL database (DESIGN.md §6) share its public
// keys; each needs the active seed in its own key file (copy the file from the node that
// rotated), and sees another's rotation after Reload().
//
// Thread-safety: all methods may be called concurrently. ActiveSigner() and Verifier() return
// immutable snapshots that stay valid after a rotation or reload replaces them.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/ids.h"
#include "core/result.h"
#include "core/time.h"
#include "eticket/voucher_codec.h"
#include "store/key_file.h"
#include "store/store.h"

namespace keyun::eticket {

// One issuer key as published for offline verification (GET /keys).
struct IssuerPublicKey {
  std::string key_id;
  SignatureAlgorithm algorithm = SignatureAlgorithm::kEd25519;
  std::string public_key_hex;  // lower-case hex; 32 bytes for Ed25519
  core::Instant created_at;
  std::optional<core::Instant> retired_at;  // nullopt while it is the active key

  bool operator==(const IssuerPublicKey&) const = default;
};

class IssuerKeyStore final {
 public:
  // Loads the keys of `province` from `store` (migrated to the latest version) and the active
  // seed from `key_file`, generating the first key if there is none. `store`, `key_file` and
  // `clock` must outlive the key store. Errors: the store's and the key file's (kUnavailable,
  // …); kFailedPrecondition if the table holds keys of another province (the wrong database),
  // or if the key file lacks the active key's seed or holds another one (a missing or foreign
  // key file: the message, in English and Chinese, says what to do); kInternal if a stored key
  // is corrupt.
  [[nodiscard]] static Result<std::unique_ptr<IssuerKeyStore>> Open(store::Store& store,
                                                                    store::KeyFile& key_file,
                                                                    core::ProvinceCode province,
                                                                    const core::Clock& clock);

  // The key that signs new vouchers. Never null.
  [[nodiscard]] std::shared_ptr<const VoucherSigner> ActiveSigner() const;
  // A verifier trusting every key of this province, retired ones included. Never null. Shared
  // pointers because rotation replaces these while other threads are signing or verifying with
  // the old ones; each caller keeps the snapshot it took alive.
  [[nodiscard]] std::shared_ptr<const VoucherVerifier> Verifier() const;
  // Every key, oldest first.
  [[nodiscard]] std::vector<IssuerPublicKey> PublicKeys() const;

  // Retires the active key and makes a new one active, in one transaction; returns the new key
  // id. Vouchers signed by the old key keep verifying. Store errors are returned as they are;
  // on an error nothing changes.
  [[nodiscard]] Result<std::string> Rotate();

  // Reads the keys again from the store and the key file (another node of the province may have
  // rotated). On an error the keys in use stay as they were.
  [[nodiscard]] Result<void> Reload();

 private:
  struct Snapshot {
    std::shared_ptr<const VoucherSigner> signer;
    std::shared_ptr<const VoucherVerifier> verifier;
    std::vector<IssuerPublicKey> keys;
  };

  IssuerKeyStore(store::Store& store, store::KeyFile& key_file, core::ProvinceCode province,
                 const core::Clock& clock)
      : store_(store), key_file_(key_file), province_(std::move(province)), clock_(clock) {}

  [[nodiscard]] Result<void> EnsureActiveKey();
  [[nodiscard]] Result<Snapshot> Load() const;

  // Constant after construction.
  store::Store& store_;
  store::KeyFile& key_file_;
  const core::ProvinceCode province_;
  const core::Clock& clock_;

  mutable std::mutex mu_;
  Snapshot snapshot_;  // guarded by mu_
};

}  // namespace keyun::eticket
