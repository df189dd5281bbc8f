#include "eticket/issuer_keys.h"

#include <fmt/format.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

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

// Publishes the key's public half in `tx` and, if this transaction is the one that inserted it,
// writes its seed to the key file (synced) before the transaction commits: a committed key
// always has its seed on disk. A seed written by a transaction that then fails is overwritten
// by whichever later one inserts that key id, so retries and races leave the right seed.
Result<void> InsertKey(store::Transaction& tx, store::KeyFile& key_file, const std::string& key_id,
                       const NewKey& key, core::Instant now) {
  Result<std::int64_t> inserted = tx.Execute(
      "INSERT INTO issuer_keys (key_id, algorithm, public_key, created_at) "
      "VALUES ($1, $2, $3, $4) ON CONFLICT (key_id) DO NOTHING",
      {Value{key_id}, Value{std::string(AlgorithmName(kIssueAlgorithm))}, Value{key.public_key_hex},
       Value{now.unix_micros()}});
  if (!inserted) return Propagate(inserted);
  if (*inserted == 0) return {};
  return key_file.Set({{store::VoucherSeedName(key_id), key.secret_hex}});
}

tl::unexpected<Error> SeedMissing(const std::string& key_id, const store::KeyFile& key_file) {
  return InZh(
      FailedPrecondition(fmt::format(
          "the signing seed of voucher key {}, active in the database, is not in key file {}: "
          "the key file is missing or belongs to another database. Start with this database's "
          "own key file (--key-file, restored from its backup, or copied from the node that "
          "last rotated the key); see docs/keys.md",
          key_id, key_file.DisplayPath())),
      fmt::format("数据库中正在使用的电子客票签名密钥 {} 的种子不在密钥文件 {} 中：密钥文件缺失或属于"
                  "另一个数据库。请使用本数据库自己的密钥文件启动（--key-file，从备份恢复，或从最近"
                  "轮换密钥的节点复制）；见 docs/keys.md",
                  key_id, key_file.DisplayPath()));
}

}  // namespace

Result<std::unique_ptr<IssuerKeyStore>> IssuerKeyStore::Open(store::Store& store,
                                                             store::KeyFile& key_file,
                                                             core::ProvinceCode province,
                                                             const core::Clock& clock) {
  std::unique_ptr<IssuerKeyStore> keys(
      new IssuerKeyStore(store, key_file, std::move(province), clock));
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
    return InsertKey(tx, key_file_, MakeKeyId(province_, kIssueAlgorithm, *serial), key,
                     clock_.Now());
  });
}

Result<std::string> IssuerKeyStore::Rotate() {
  const NewKey key = GenerateKey();
  const core::Instant now = clock_.Now();
  std::vector<std::string> retired_ids;
  Result<std::string> key_id =
      store_.Transact<std::string>([&](store::Transaction& tx) -> Result<std::string> {
        Result<int> serial = NextSerial(tx, province_, kIssueAlgorithm);
        if (!serial) return Propagate(serial);
        Result<store::Rows> active =
            tx.Query("SELECT key_id FROM issuer_keys WHERE retired_at IS NULL AND algorithm = $1",
                     {Value{std::string(AlgorithmName(kIssueAlgorithm))}});
        if (!active) return Propagate(active);
        retired_ids.clear();
        for (const store::Row& row : *active) retired_ids.push_back(row.Text(0));
        Result<std::int64_t> retired = tx.Execute(
            "UPDATE issuer_keys SET retired_at = $1 WHERE retired_at IS NULL AND algorithm = $2",
            {Value{now.unix_micros()}, Value{std::string(AlgorithmName(kIssueAlgorithm))}});
        if (!retired) return Propagate(retired);
        std::string id = MakeKeyId(province_, kIssueAlgorithm, *serial);
        if (Result<void> inserted = InsertKey(tx, key_file_, id, key, now); !inserted) {
          return Propagate(inserted);
        }
        return id;
      });
  if (!key_id) return key_id;
  // A retired key never signs again: its seed leaves the key file, so a copy of the file taken
  // later cannot sign under it either. A failure here leaves a seed that signs nothing.
  std::vector<std::string> seeds;
  for (const std::string& id : retired_ids) seeds.push_back(store::VoucherSeedName(id));
  if (Result<void> erased = key_file_.Erase(seeds); !erased) {
    spdlog::warn("erasing retired voucher seeds from {}: {}", key_file_.DisplayPath(),
                 erased.error().ToString());
  }
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
            "SELECT key_id, algorithm, public_key, created_at, retired_at "
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
    std::optional<std::int64_t> retired_at = row.OptionalInt(4);
    if (!retired_at) {
      const std::string seed_name = store::VoucherSeedName(key_id);
      std::optional<std::string> seed_hex = key_file_.Get(seed_name);
      if (!seed_hex) {
        // Another process sharing the file may have rotated since it was read.
        if (Result<void> reread = key_file_.Reload(); !reread) return Propagate(reread);
        seed_hex = key_file_.Get(seed_name);
      }
      if (!seed_hex) return SeedMissing(key_id, key_file_);
      std::optional<std::vector<std::uint8_t>> seed = core::FromHex(*seed_hex);
      sodium_memzero(seed_hex->data(), seed_hex->size());
      if (!seed || seed->size() != kSecretSeedBytes) {
        return InZh(FailedPrecondition(fmt::format(
                        "the seed of voucher key {} in key file {} is not 32 bytes of hex: "
                        "restore the key file from its backup (docs/keys.md)",
                        key_id, key_file_.DisplayPath())),
                    fmt::format("密钥文件 {} 中电子客票签名密钥 {} 的种子不是 32 字节的十六进制："
                                "请从备份恢复密钥文件（见 docs/keys.md）",
                                key_file_.DisplayPath(), key_id));
      }
      WipedSeed wiped;
      std::copy(seed->begin(), seed->end(), wiped.bytes.begin());
      sodium_memzero(seed->data(), seed->size());
      Result<VoucherSigner> signer = VoucherSigner::FromSeed(key_id, wiped.bytes);
      if (!signer) return Propagate(signer);
      if (core::ToHex(signer->public_key()) != public_key_hex) {
        return InZh(
            FailedPrecondition(fmt::format(
                "the seed of voucher key {} in key file {} does not match the key's public key "
                "in the database: the key file belongs to another database. Start with this "
                "database's own key file (docs/keys.md)",
                key_id, key_file_.DisplayPath())),
            fmt::format("密钥文件 {} 中电子客票签名密钥 {} 的种子与数据库中的公钥不符：该密钥文件属于"
                        "另一个数据库。请使用本数据库自己的密钥文件启动（见 docs/keys.md）",
                        key_file_.DisplayPath(), key_id));
      }
      snapshot.signer = std::make_shared<const VoucherSigner>(std::move(*signer));
    }
    snapshot.keys.push_back(IssuerPublicKey{
        .key_id = key_id,
        .algorithm = parts->algorithm,
        .public_key_hex = public_key_hex,
        .created_at = core::Instant::FromUnixMicros(row.Int(3)),
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
