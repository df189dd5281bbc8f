// Issuer keys (签发密钥): the node's keys that sign e-ticket vouchers, kept in its database
// (table issuer_keys, migration 0003), and the trust list built from them.
//
//   Result<std::unique_ptr<IssuerKeyStore>> keys =
//       IssuerKeyStore::Open(*store, *core::ProvinceCode::Parse("37"), clock);
//   std::shared_ptr<const VoucherSigner> signer = (*keys)->ActiveSigner();
//   Result<std::string> text = signer->Issue(payload);                  // sales
//   Result<VoucherPayload> p = (*keys)->Verifier()->Verify(text);       // checkin
//   std::vector<IssuerPublicKey> published = (*keys)->PublicKeys();     // GET /keys
//   Result<std::string> new_id = (*keys)->Rotate();                     // "37-ed25519-0002"
//
// The first key is generated when a node first opens its database (Open). Rotate() makes a new
// active key and retires the old one: a retired key never signs again (its secret is erased
// from the database) but stays in the trust list, so vouchers already issued keep verifying.
// Key ids are "{province}-ed25519-{serial:04}", serials counting up from 1.
//
// Custody: the secret is stored as hex in the node's own database, so the node needs nothing
// else to issue vouchers and a backup of the database is a backup of the key. In production the
// secret should live in an HSM or a KMS that signs on the node's behalf; VoucherSigner is the
// seam where that would go. See docs/eticket.md, "Keys".
//
// Several nodes of one province sharing one PostgreSQL database (DESIGN.md §6) share its keys;
// a node sees another's rotation after Reload().
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
  // Loads the keys of `province` from `store` (migrated to version 3 or later), generating and
  // storing the first key if there is none. `store` and `clock` must outlive the key store.
  // Errors: the store's (kUnavailable, …); kFailedPrecondition if the table holds keys of
  // another province (the wrong database) ; kInternal if a stored key is corrupt.
  [[nodiscard]] static Result<std::unique_ptr<IssuerKeyStore>> Open(store::Store& store,
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

  // Reads the keys again from the store (another node of the province may have rotated).
  [[nodiscard]] Result<void> Reload();

 private:
  struct Snapshot {
    std::shared_ptr<const VoucherSigner> signer;
    std::shared_ptr<const VoucherVerifier> verifier;
    std::vector<IssuerPublicKey> keys;
  };

  IssuerKeyStore(store::Store& store, core::ProvinceCode province, const core::Clock& clock)
      : store_(store), province_(std::move(province)), clock_(clock) {}

  [[nodiscard]] Result<void> EnsureActiveKey();
  [[nodiscard]] Result<Snapshot> Load() const;

  // Constant after construction.
  store::Store& store_;
  const core::ProvinceCode province_;
  const core::Clock& clock_;

  mutable std::mutex mu_;
  Snapshot snapshot_;  // guarded by mu_
};

}  // namespace keyun::eticket
