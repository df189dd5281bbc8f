// Key file (密钥文件): the node's secrets, kept outside its database so that a copy of the
// database alone opens no sealed ID number and signs no voucher (docs/keys.md).
//
//   Result<std::unique_ptr<KeyFile>> keys = KeyFile::ForDatabase("keyun.db", "");
//   //   → keyun.db.keys; ":memory:" → in memory; a postgresql:// URL needs an explicit path
//   std::optional<std::string> seal = (*keys)->Get(kIdSealKeyName);          // hex, or nullopt
//   Result<void> saved = (*keys)->Set({{VoucherSeedName("37-ed25519-0002"), seed_hex}});
//
// The file is text: a comment header, then one `name=<lower-case hex>` per line:
//   id_seal_key=…                   the SecretBox key that seals full ID numbers (tickets.id_sealed)
//   id_hash_key=…                   the keyed-hash key of ID numbers (tickets.id_hash, gates)
//   voucher_seed.37-ed25519-0002=…  the Ed25519 seed of an active voucher signing key
// It is created on the first write with O_CREAT|O_EXCL and mode 0600, and rewritten whole
// (temporary file 0600, fsync, rename, fsync of the directory), so a crash leaves the old or
// the new file, never half of one. Open refuses a file that its group or others may read.
//
// The database keeps a fingerprint of the ID keys (KeyFingerprint, node_meta key_fingerprint),
// never the keys: a key file of another database is refused instead of opening garbage.
//
// Thread-safety: all methods may be called concurrently (one mutex). Processes sharing one
// file see each other's writes after Reload(); Set and Erase re-read the file before they
// rewrite it, so they keep what another process wrote before.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "store/store.h"

namespace keyun::store {

inline constexpr std::string_view kIdSealKeyName = "id_seal_key";
inline constexpr std::string_view kIdHashKeyName = "id_hash_key";
inline constexpr std::string_view kVoucherSeedPrefix = "voucher_seed.";
// node_meta key of KeyFingerprint of the ID keys.
inline constexpr std::string_view kKeyFingerprintMeta = "key_fingerprint";

// "voucher_seed.37-ed25519-0002".
[[nodiscard]] std::string VoucherSeedName(std::string_view key_id);

class KeyFile final {
 public:
  // The key file of the database at `db_location`: `explicit_path` if not empty; else
  // "<db>.keys" beside a SQLite file, in memory for ":memory:". Errors: kInvalidArgument for a
  // PostgreSQL URL without a path (the message says to pass --key-file or KEYUN_KEY_FILE); the
  // errors of Open.
  [[nodiscard]] static Result<std::unique_ptr<KeyFile>> ForDatabase(std::string_view db_location,
                                                                    std::string_view explicit_path);
  // Reads `path` if it exists; a missing file is an empty key file, created by the first Set.
  // Errors (kFailedPrecondition, in English and Chinese, saying what to do): the file is
  // readable or writable by group or others, is not a regular file, or is malformed;
  // kUnavailable if it cannot be read.
  [[nodiscard]] static Result<std::unique_ptr<KeyFile>> Open(std::string path);
  // A key file that lives and dies with the process (for ":memory:" databases and tests).
  [[nodiscard]] static std::unique_ptr<KeyFile> InMemory();

  ~KeyFile();  // wipes the values
  KeyFile(const KeyFile&) = delete;
  KeyFile& operator=(const KeyFile&) = delete;

  // The path, or "" in memory.
  [[nodiscard]] const std::string& path() const { return path_; }
  // "keyun.db.keys", or "(in memory)", for messages.
  [[nodiscard]] std::string DisplayPath() const;
  // Whether the file exists on disk (in memory: whether anything was set).
  [[nodiscard]] bool exists() const;

  // The hex value of `name`, or nullopt.
  [[nodiscard]] std::optional<std::string> Get(std::string_view name) const;
  // Every name starting with `prefix`, sorted.
  [[nodiscard]] std::vector<std::string> Names(std::string_view prefix) const;

  // Sets each entry (overwriting) and writes the file; durable when it returns. On an error
  // the file and this object are as before. Values must be lower-case hex.
  [[nodiscard]] Result<void> Set(const std::vector<std::pair<std::string, std::string>>& entries);
  // Sets only the entries that are absent, then returns the value of each name in order
  // (the existing ones where there were). Writes only if something was added.
  [[nodiscard]] Result<std::vector<std::string>> SetIfAbsent(
      const std::vector<std::pair<std::string, std::string>>& entries);
  // Removes the names (absent ones are ignored) and writes the file if anything changed.
  [[nodiscard]] Result<void> Erase(const std::vector<std::string>& names);
  // Reads the file again (another process may have written it). In memory: nothing.
  [[nodiscard]] Result<void> Reload();

 private:
  using Entries = std::map<std::string, std::string, std::less<>>;
  explicit KeyFile(std::string path) : path_(std::move(path)) {}

  // Reads path_ into entries_ (guarded by mu_, held by the caller).
  [[nodiscard]] Result<void> ReadLocked();
  // Writes `entries` to path_ and makes them entries_ (mu_ held).
  [[nodiscard]] Result<void> WriteLocked(Entries entries);

  const std::string path_;  // constant; empty in memory

  mutable std::mutex mu_;
  Entries entries_;      // guarded by mu_
  bool exists_ = false;  // guarded by mu_
};

// The fingerprint of the ID keys kept in the database: "v1:" + hex of a keyed BLAKE2b of a
// fixed label under each key. It tells whether a key file belongs to a database; it reveals
// nothing of the keys.
[[nodiscard]] std::string KeyFingerprint(std::span<const std::uint8_t, 32> id_seal_key,
                                         std::span<const std::uint8_t, 32> id_hash_key);

// A 32-byte key from its hex in the key file; kFailedPrecondition naming `name` if malformed.
[[nodiscard]] Result<std::array<std::uint8_t, 32>> KeyFromHex(std::string_view name,
                                                              const std::string& hex);

// The hook (Store::Migrate, MigrateOptions::before_migration) that moves the secrets of a
// database from before migration 0015 (node_meta id_hash_key / id_seal_key, issuer_keys
// secret_key) into `file`, written and synced before the migration drops them from the
// database, and leaves the fingerprint of the ID keys in node_meta. `file` must outlive the
// hook. Errors: kFailedPrecondition if `file` already holds different values for these names
// (it belongs to another database); the errors of KeyFile::Set.
[[nodiscard]] MigrationHook MoveSecretsIntoKeyFile(KeyFile& file);

// Migrate with MoveSecretsIntoKeyFile: what every command that opens a node's database runs.
[[nodiscard]] Result<int> MigrateWithKeyFile(Store& store, KeyFile& file,
                                             const ProgressFn& progress = {});

}  // namespace keyun::store
