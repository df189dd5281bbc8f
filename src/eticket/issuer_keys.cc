#include "eticket/issuer_keys.h"

#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>

#include "core/hex.h"
#include "eticket/internal/sodium_init.h"

namespace keyun::eticket {
namespace {

using store::Value;

// Only Ed25519 is issued today; an SM2 node would choose its algorithm by configuration.
constexpr SignatureAlgorithm kIssueAlgorithm = SignatureAlgorithm::kEd25519;

// Secret bytes wiped when they go out of scope.
struct WipedSeed {
  SecretSeed bytes{};
  ~WipedSeed() { sodium_memzero(bytes.data(), bytes.size()); }
};

struct NewKey {
  std::string public_key_hex;
  std::string secret_hex;
  ~NewKey() { sodium_memzero(secret_hex.data(), secret_hex.size()); }
};

NewKey GenerateKey() {
  internal::EnsureSodium();
  WipedSeed seed;
  randombytes_buf(seed.bytes.data(), seed.bytes.size());
  std::array<std::uint8_t, crypto_sign_PUBLICKEYBYTES> public_key{};
  std::array<std::uint8_t, crypto_sign_SECRETKEYBYTES> secret_key{};
  crypto_sign_seed_keypair(public_key.data(), secret_key.data(), seed.bytes.data());
  sodium_memzero(secret_key.data(), secret_key.size());
  return NewKey{core::ToHex(public_key), core::ToHex(seed.bytes)};
}

// The next serial for `province`'s keys of `algorithm`: one more than the highest stored.
Result<int> NextSerial(store::Transaction& tx, const core::ProvinceCode& province,
                       SignatureAlgorithm algorithm) {
  Result<store::Rows> rows = tx.Query("SELECT key_id FROM issuer_keys");
  if (!rows) return Propagate(rows);
  int highest = 0;
  for (const store::Row& row : *rows) {
    Result<KeyIdParts> parts = ParseKeyId(row.Text(0));
    if (!parts) return Internal(fmt::format("stored issuer key id {} is malformed", row.Text(0)));
    if (parts->province == province && parts->algorithm == algorithm) {
      highest = std::max(highest, parts->serial);
    }
  }
  return highest + 1;
}

Result<void> InsertKey(store::Transaction& tx, const std::string& key_id, const NewKey& key,
                       core::Instant now) {
  Result<std::int64_t> inserted = tx.Execute(
      "INSERT INTO issuer_keys (key_id, algorithm, public_key, secret_key, created_at) "
      "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key_id) DO NOTHING",
      {Value{key_id}, Value{std::string(AlgorithmName(kIssueAlgorithm))}, Value{key.public_key_hex},
       Value{key.secret_hex}, Value{now.unix_micros()}});
  if (!inserted) return Propagate(inserted);
  return {};
}

}  // namespace

Result<std::unique_ptr<IssuerKeyStore>> IssuerKeyStore::Open(store::Store& store,
                                                             core::ProvinceCode province,
                                                             const core::Clock& clock) {
  std::unique_ptr<IssuerKeyStore> keys(new IssuerKeyStore(store, std::move(province), clock));
  if (Result<void> ensured = keys->EnsureActiveKey(); !ensured) return Propagate(ensured);
  if (Result<void> loaded = keys->Reload(); !loaded) return Propagate(loaded);
  return keys;
}

std::shared_ptr<const VoucherSigner> IssuerKeyStore::ActiveSigner() const {
  std::lock_guard lock(mu_);
  return snapshot_.signer;
}

std::shared_ptr<const VoucherVerifier> IssuerKeyStore::Verifier() const {
  std::lock_guard lock(mu_);
  return snapshot_.verifier;
}

std::vector<IssuerPublicKey> IssuerKeyStore::PublicKeys() const {
  std::lock_guard lock(mu_);
  return snapshot_.keys;
}

Result<void> IssuerKeyStore::EnsureActiveKey() {
  // Generated outside the transaction: a retried body reuses it, and a key that loses the race
  // to another node's first key is simply dropped.
  const NewKey key = GenerateKey();
  return store_.RunTransaction([&](store::Transaction& tx) -> Result<void> {
    Result<store::Rows> active =
        tx.Query("SELECT key_id FROM issuer_keys WHERE retired_at IS NULL AND algorithm = $1",
                 {Value{std::string(AlgorithmName(kIssueAlgorithm))}});
    if (!active) return Propagate(active);
    if (!active->empty()) return {};
    Result<int> serial = NextSerial(tx, province_, kIssueAlgorithm);
    if (!serial) return Propagate(serial);
    return InsertKey(tx, MakeKeyId(province_, kIssueAlgorithm, *serial), key, clock_.Now());
  });
}

Result<std::string> IssuerKeyStore::Rotate() {
  const NewKey key = GenerateKey();
  const core::Instant now = clock_.Now();
  Result<std::string> key_id =
      store_.Transact<std::string>([&](store::Transaction& tx) -> Result<std::string> {
        Result<int> serial = NextSerial(tx, province_, kIssueAlgorithm);
        if (!serial) return Propagate(serial);
        Result<std::int64_t> retired = tx.Execute(
            "UPDATE issuer_keys SET retired_at = $1, secret_key = NULL "
            "WHERE retired_at IS NULL AND algorithm = $2",
            {Value{now.unix_micros()}, Value{std::string(AlgorithmName(kIssueAlgorithm))}});
        if (!retired) return Propagate(retired);
        std::string id = MakeKeyId(province_, kIssueAlgorithm, *serial);
        if (Result<void> inserted = InsertKey(tx, id, key, now); !inserted) {
          return Propagate(inserted);
        }
        return id;
      });
  if (!key_id) return key_id;
  if (Result<void> loaded = Reload(); !loaded) return Propagate(loaded);
  return key_id;
}

Result<void> IssuerKeyStore::Reload() {
  Result<Snapshot> snapshot = Load();
  if (!snapshot) return Propagate(snapshot);
  std::lock_guard lock(mu_);
  snapshot_ = std::move(*snapshot);
  return {};
}

Result<IssuerKeyStore::Snapshot> IssuerKeyStore::Load() const {
  store::TransactionOptions read_only;
  read_only.read_only = true;
  Result<store::Rows> rows = store_.Transact<store::Rows>(
      [&](store::Transaction& tx) {
        return tx.Query(
            "SELECT key_id, algorithm, public_key, secret_key, created_at, retired_at "
            "FROM issuer_keys ORDER BY created_at, key_id");
      },
      read_only);
  if (!rows) return Propagate(rows);

  Snapshot snapshot;
  auto verifier = std::make_shared<VoucherVerifier>();
  for (const store::Row& row : *rows) {
    const std::string& key_id = row.Text(0);
    Result<KeyIdParts> parts = ParseKeyId(key_id);
    if (!parts || AlgorithmName(parts->algorithm) != row.Text(1)) {
      return Internal(fmt::format("issuer key {} is corrupt: bad key id or algorithm", key_id));
    }
    if (parts->province != province_) {
      return FailedPrecondition(fmt::format(
          "the database holds issuer key {} of province {}, but this node serves province {}: "
          "is it the right database?",
          key_id, parts->province.str(), province_.str()));
    }
    const std::string& public_key_hex = row.Text(2);
    if (Result<void> added = verifier->AddKeyHex(key_id, public_key_hex); !added) {
      return Internal(fmt::format("issuer key {} is corrupt: {}", key_id, added.error().message));
    }
    std::optional<std::int64_t> retired_at = row.OptionalInt(5);
    if (!retired_at) {
      std::optional<std::vector<std::uint8_t>> seed = core::FromHex(row.Text(3));
      if (!seed || seed->size() != kSecretSeedBytes) {
        return Internal(fmt::format("issuer key {} is corrupt: bad secret", key_id));
      }
      WipedSeed wiped;
      std::copy(seed->begin(), seed->end(), wiped.bytes.begin());
      sodium_memzero(seed->data(), seed->size());
      Result<VoucherSigner> signer = VoucherSigner::FromSeed(key_id, wiped.bytes);
      if (!signer) return Propagate(signer);
      if (core::ToHex(signer->public_key()) != public_key_hex) {
        return Internal(fmt::format(
            "issuer key {} is corrupt: its secret does not match its public key", key_id));
      }
      snapshot.signer = std::make_shared<const VoucherSigner>(std::move(*signer));
    }
    snapshot.keys.push_back(IssuerPublicKey{
        .key_id = key_id,
        .algorithm = parts->algorithm,
        .public_key_hex = public_key_hex,
        .created_at = core::Instant::FromUnixMicros(row.Int(4)),
        .retired_at =
            retired_at ? std::optional(core::Instant::FromUnixMicros(*retired_at)) : std::nullopt,
    });
  }
  if (!snapshot.signer) {
    return FailedPrecondition(fmt::format("province {} has no active issuer key", province_.str()));
  }
  snapshot.verifier = std::move(verifier);
  return snapshot;
}

}  // namespace keyun::eticket
