#include "store/key_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "core/durable_file.h"
#include "core/hex.h"
#include "core/personal_data.h"

namespace keyun::store {
namespace {

// The migration that drops the secrets from the database (0015_secrets_out_of_store.sql).
constexpr int kSecretsOutOfStoreVersion = 15;

constexpr std::string_view kHeader =
    "# keyun key file (密钥文件): the node's secrets - the keys that seal and hash ID numbers\n"
    "# and the seeds that sign e-ticket vouchers. Keep it mode 0600 and back it up apart from\n"
    "# the database: the two together give back every ID number (docs/keys.md).\n"
    "# keyun 密钥文件：本节点的密钥（身份证号加密与哈希密钥、电子客票签名种子）。\n"
    "# 权限保持 0600，并与数据库分开备份：两者合在一起即可还原全部证件号码（见 docs/keys.md）。\n"
    "# Written by keyun; do not edit while a node runs. 由 keyun 写入，节点运行时请勿编辑。\n";

void Wipe(std::string& text) {
  explicit_bzero(text.data(), text.size());
  text.clear();
}

bool IsName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool IsHex(std::string_view value) {
  if (value.empty() || value.size() % 2 != 0) return false;
  for (char c : value) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

tl::unexpected<Error> Malformed(const std::string& path, int line, std::string_view what) {
  return InZh(FailedPrecondition(fmt::format(
                  "key file {} is malformed at line {} ({}): restore it from its backup "
                  "(docs/keys.md)",
                  path, line, what)),
              fmt::format("密钥文件 {} 第 {} 行格式错误（{}）：请从备份恢复（见 docs/keys.md）", path,
                          line, what));
}

tl::unexpected<Error> SystemError(std::string_view doing, const std::string& path, int error) {
  return InZh(Unavailable(fmt::format("cannot {} key file {}: {}", doing, path, strerror(error))),
              fmt::format("无法{}密钥文件 {}：{}", doing == "read" ? "读取" : "写入", path,
                          strerror(error)));
}

}  // namespace

std::string VoucherSeedName(std::string_view key_id) {
  return std::string(kVoucherSeedPrefix) + std::string(key_id);
}

Result<std::unique_ptr<KeyFile>> KeyFile::ForDatabase(std::string_view db_location,
                                                      std::string_view explicit_path) {
  if (!explicit_path.empty()) return Open(std::string(explicit_path));
  if (db_location == ":memory:") return InMemory();
  if (db_location.starts_with("postgresql://") || db_location.starts_with("postgres://")) {
    return InZh(InvalidArgument("a PostgreSQL database needs a key file for the node's secrets, "
                                "which never go into the database: pass --key-file PATH or set "
                                "KEYUN_KEY_FILE (docs/keys.md)",
                                "key_file"),
                "PostgreSQL 数据库需要一个密钥文件存放本节点的密钥（密钥不存入数据库）：请用 "
                "--key-file PATH 指定，或设置环境变量 KEYUN_KEY_FILE（见 docs/keys.md）");
  }
  return Open(std::string(db_location) + ".keys");
}

Result<std::unique_ptr<KeyFile>> KeyFile::Open(std::string path) {
  std::unique_ptr<KeyFile> file(new KeyFile(std::move(path)));
  std::lock_guard lock(file->mu_);
  if (Result<void> read = file->ReadLocked(); !read) return Propagate(read);
  return file;
}

std::unique_ptr<KeyFile> KeyFile::InMemory() { return std::unique_ptr<KeyFile>(new KeyFile("")); }

KeyFile::~KeyFile() {
  for (auto& [name, value] : entries_) Wipe(value);
}

std::string KeyFile::DisplayPath() const { return path_.empty() ? "(in memory)" : path_; }

bool KeyFile::exists() const {
  std::lock_guard lock(mu_);
  return path_.empty() ? !entries_.empty() : exists_;
}

std::optional<std::string> KeyFile::Get(std::string_view name) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(name);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> KeyFile::Names(std::string_view prefix) const {
  std::lock_guard lock(mu_);
  std::vector<std::string> names;
  for (const auto& [name, value] : entries_) {
    if (name.starts_with(prefix)) names.push_back(name);
  }
  return names;
}

Result<void> KeyFile::Set(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::lock_guard lock(mu_);
  if (Result<void> read = ReadLocked(); !read) return read;
  Entries next = entries_;
  for (const auto& [name, value] : entries) {
    if (!IsName(name) || !IsHex(value)) {
      return Internal(fmt::format("key file entry {} is not a name with a hex value", name));
    }
    next[name] = value;
  }
  return WriteLocked(std::move(next));
}

Result<std::vector<std::string>> KeyFile::SetIfAbsent(
    const std::vector<std::pair<std::string, std::string>>& entries) {
  std::lock_guard lock(mu_);
  if (Result<void> read = ReadLocked(); !read) return Propagate(read);
  Entries next = entries_;
  bool added = false;
  std::vector<std::string> values;
  for (const auto& [name, value] : entries) {
    if (!IsName(name) || !IsHex(value)) {
      return Internal(fmt::format("key file entry {} is not a name with a hex value", name));
    }
    auto [it, inserted] = next.try_emplace(name, value);
    added = added || inserted;
    values.push_back(it->second);
  }
  if (added) {
    if (Result<void> written = WriteLocked(std::move(next)); !written) return Propagate(written);
  }
  return values;
}

Result<void> KeyFile::Erase(const std::vector<std::string>& names) {
  std::lock_guard lock(mu_);
  if (Result<void> read = ReadLocked(); !read) return read;
  Entries next = entries_;
  bool changed = false;
  for (const std::string& name : names) {
    auto it = next.find(name);
    if (it == next.end()) continue;
    Wipe(it->second);
    next.erase(it);
    changed = true;
  }
  if (!changed) return {};
  return WriteLocked(std::move(next));
}

Result<void> KeyFile::Reload() {
  std::lock_guard lock(mu_);
  return ReadLocked();
}

Result<void> KeyFile::ReadLocked() {
  if (path_.empty()) return {};
  int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno != ENOENT) return SystemError("read", path_, errno);
    for (auto& [name, value] : entries_) Wipe(value);
    entries_.clear();
    exists_ = false;
    return {};
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int error = errno;
    ::close(fd);
    return SystemError("read", path_, error);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return InZh(FailedPrecondition(fmt::format("key file {} is not a regular file", path_)),
                fmt::format("密钥文件 {} 不是普通文件", path_));
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    const unsigned mode = st.st_mode & 0777;
    return InZh(
        FailedPrecondition(fmt::format(
            "key file {} may be read or written by other users (mode {:04o}), but it holds the "
            "node's secrets: run `chmod 600 {}` and start again; if others could read it, "
            "treat the keys as exposed (docs/keys.md)",
            path_, mode, path_)),
        fmt::format("密钥文件 {} 可被其他用户读写（权限 {:04o}），而其中是本节点的密钥：请执行 "
                    "`chmod 600 {}` 后重新启动；若他人可能已读取，应视为密钥已泄露（见 "
                    "docs/keys.md）",
                    path_, mode, path_));
  }
  std::string text;
  char buffer[4096];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int error = errno;
      ::close(fd);
      Wipe(text);
      return SystemError("read", path_, error);
    }
    if (n == 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  explicit_bzero(buffer, sizeof buffer);
  ::close(fd);

  Entries entries;
  int line_number = 0;
  std::size_t start = 0;
  Result<void> parsed;
  while (start < text.size() && parsed) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    start = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      parsed = Malformed(path_, line_number, "expected name=hex");
      break;
    }
    std::string_view name = line.substr(0, eq);
    std::string_view value = line.substr(eq + 1);
    if (!IsName(name)) {
      parsed = Malformed(path_, line_number, "bad name");
    } else if (!IsHex(value)) {
      parsed = Malformed(path_, line_number, "the value is not lower-case hex");
    } else if (!entries.try_emplace(std::string(name), std::string(value)).second) {
      parsed = Malformed(path_, line_number, fmt::format("{} appears twice", name));
    }
  }
  Wipe(text);
  if (!parsed) {
    for (auto& [name, value] : entries) Wipe(value);
    return parsed;
  }
  for (auto& [name, value] : entries_) Wipe(value);
  entries_ = std::move(entries);
  exists_ = true;
  return {};
}

Result<void> KeyFile::WriteLocked(Entries entries) {
  if (path_.empty()) {
    for (auto& [name, value] : entries_) Wipe(value);
    entries_ = std::move(entries);
    return {};
  }
  std::string text(kHeader);
  for (const auto& [name, value] : entries) text += name + "=" + value + "\n";

  // The first write creates the file itself, exclusively, 0600 from the start; later ones
  // replace it whole through a temporary file, also created 0600.
  const std::string target = exists_ ? path_ + ".tmp" : path_;
  if (exists_ && ::unlink(target.c_str()) != 0 && errno != ENOENT) {
    Wipe(text);
    return SystemError("write", target, errno);
  }
  int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    int error = errno;
    Wipe(text);
    if (error == EEXIST && !exists_) {
      return Unavailable(fmt::format(
          "key file {} was created by another process at the same moment: start again", path_));
    }
    return SystemError("write", target, error);
  }
  const bool written = core::WriteAll(fd, text) && ::fsync(fd) == 0;
  int error = errno;
  ::close(fd);
  Wipe(text);
  if (!written) {
    ::unlink(target.c_str());
    return SystemError("write", target, error);
  }
  if (target != path_ && ::rename(target.c_str(), path_.c_str()) != 0) {
    error = errno;
    ::unlink(target.c_str());
    return SystemError("write", path_, error);
  }
  (void)core::SyncDirectoryOf(path_);  // best effort: the file itself is synced
  for (auto& [name, value] : entries_) Wipe(value);
  entries_ = std::move(entries);
  exists_ = true;
  return {};
}

std::string KeyFingerprint(std::span<const std::uint8_t, 32> id_seal_key,
                           std::span<const std::uint8_t, 32> id_hash_key) {
  constexpr std::string_view kLabel = "keyun key file fingerprint v1";
  const std::string under_hash_key = core::KeyedHasher(id_hash_key).Hash(kLabel);
  return "v1:" + core::KeyedHasher(id_seal_key).Hash(std::string(kLabel) + " " + under_hash_key);
}

Result<std::array<std::uint8_t, 32>> KeyFromHex(std::string_view name, const std::string& hex) {
  std::optional<std::vector<std::uint8_t>> bytes = core::FromHex(hex);
  if (!bytes || bytes->size() != 32) {
    if (bytes) explicit_bzero(bytes->data(), bytes->size());
    return InZh(FailedPrecondition(fmt::format(
                    "{} in the key file is not 32 bytes of hex: restore the key file from its "
                    "backup (docs/keys.md)",
                    name)),
                fmt::format("密钥文件中的 {} 不是 32 字节的十六进制：请从备份恢复密钥文件（见 "
                            "docs/keys.md）",
                            name));
  }
  std::array<std::uint8_t, 32> key{};
  std::copy(bytes->begin(), bytes->end(), key.begin());
  explicit_bzero(bytes->data(), bytes->size());
  return key;
}

MigrationHook MoveSecretsIntoKeyFile(KeyFile& file) {
  return [&file](int version, Transaction& tx) -> Result<void> {
    if (version != kSecretsOutOfStoreVersion) return {};
    Result<Rows> meta = tx.Query(
        "SELECT key, value FROM node_meta WHERE key IN ('id_hash_key', 'id_seal_key') ORDER BY key");
    if (!meta) return Propagate(meta);
    Result<Rows> seeds =
        tx.Query("SELECT key_id, secret_key FROM issuer_keys WHERE secret_key IS NOT NULL");
    if (!seeds) return Propagate(seeds);
    std::vector<std::pair<std::string, std::string>> entries;
    for (const Row& row : *meta) entries.emplace_back(row.Text(0), row.Text(1));
    for (const Row& row : *seeds) entries.emplace_back(VoucherSeedName(row.Text(0)), row.Text(1));
    if (entries.empty()) return {};

    for (const auto& [name, value] : entries) {
      std::optional<std::string> held = file.Get(name);
      if (held && *held != value) {
        return InZh(
            FailedPrecondition(fmt::format(
                "moving the node's secrets out of the database: key file {} already holds "
                "another {}, so it belongs to another database. Give this database its own key "
                "file with --key-file (docs/keys.md)",
                file.DisplayPath(), name)),
            fmt::format("把本节点的密钥从数据库移出时发现：密钥文件 {} 中已有不同的 {}，它属于另一个"
                        "数据库。请用 --key-file 为本数据库指定自己的密钥文件（见 docs/keys.md）",
                        file.DisplayPath(), name));
      }
    }
    // Durable in the key file before the migration, in this transaction, drops them.
    if (Result<void> saved = file.Set(entries); !saved) return saved;

    std::optional<std::string> seal_hex = file.Get(kIdSealKeyName);
    std::optional<std::string> hash_hex = file.Get(kIdHashKeyName);
    if (seal_hex && hash_hex) {
      auto seal = KeyFromHex(kIdSealKeyName, *seal_hex);
      if (!seal) return Propagate(seal);
      auto hash = KeyFromHex(kIdHashKeyName, *hash_hex);
      if (!hash) return Propagate(hash);
      std::string fingerprint = KeyFingerprint(*seal, *hash);
      explicit_bzero(seal->data(), seal->size());
      explicit_bzero(hash->data(), hash->size());
      auto stored = tx.Execute(
          "INSERT INTO node_meta (key, value) VALUES ($1, $2) "
          "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
          {Value{std::string(kKeyFingerprintMeta)}, Value{fingerprint}});
      if (!stored) return Propagate(stored);
    }
    // The migration's own SQL deletes them from node_meta once it sees this mark.
    auto marked = tx.Execute(
        "INSERT INTO node_meta (key, value) VALUES ('secrets_moved_out', $1) "
        "ON CONFLICT (key) DO NOTHING",
        {Value{file.DisplayPath()}});
    if (!marked) return Propagate(marked);
    spdlog::warn(
        "store: moved {} secret(s) out of the database into key file {}; back that file up "
        "apart from the database (docs/keys.md)",
        entries.size(), file.DisplayPath());
    for (auto& [name, value] : entries) explicit_bzero(value.data(), value.size());
    return {};
  };
}

Result<int> MigrateWithKeyFile(Store& store, KeyFile& file, const ProgressFn& progress) {
  return store.Migrate(MigrateOptions{
      .progress = progress, .before_migration = MoveSecretsIntoKeyFile(file), .up_to_version = 0});
}

}  // namespace keyun::store
