#include "core/password.h"

#include <sodium.h>

#include <array>

#include "core/internal/sodium.h"

namespace keyun::core {
namespace {

constexpr std::size_t kMaxPasswordBytes = 4096;

struct Limits {
  unsigned long long ops;
  std::size_t mem;
};

Limits LimitsOf(PasswordCost cost) {
  switch (cost) {
    case PasswordCost::kInteractive:
      return {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
    case PasswordCost::kFastForTests:
      return {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN};
  }
  return {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
}

// crypto_pwhash_str_* want a NUL-terminated string inside a buffer of crypto_pwhash_STRBYTES.
bool CopyHash(std::string_view hash, std::array<char, crypto_pwhash_STRBYTES>& out) {
  if (hash.empty() || hash.size() >= out.size() || hash.find('\0') != std::string_view::npos) {
    return false;
  }
  out.fill('\0');
  hash.copy(out.data(), hash.size());
  return true;
}

}  // namespace

Result<std::string> HashPassword(std::string_view password, PasswordCost cost) {
  if (password.empty()) return InvalidArgument("the password is empty", "password");
  if (password.size() > kMaxPasswordBytes) {
    return InvalidArgument("the password is longer than 4096 bytes", "password");
  }
  internal::EnsureSodium();
  const Limits limits = LimitsOf(cost);
  std::array<char, crypto_pwhash_STRBYTES> out{};
  if (crypto_pwhash_str_alg(out.data(), password.data(), password.size(), limits.ops, limits.mem,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return ResourceExhausted("not enough memory to hash the password; try again later");
  }
  return std::string(out.data());
}

bool VerifyPassword(std::string_view hash, std::string_view password) {
  internal::EnsureSodium();
  std::array<char, crypto_pwhash_STRBYTES> stored{};
  if (!CopyHash(hash, stored)) return false;
  return crypto_pwhash_str_verify(stored.data(), password.data(), password.size()) == 0;
}

bool PasswordNeedsRehash(std::string_view hash, PasswordCost cost) {
  internal::EnsureSodium();
  std::array<char, crypto_pwhash_STRBYTES> stored{};
  if (!CopyHash(hash, stored)) return true;
  const Limits limits = LimitsOf(cost);
  return crypto_pwhash_str_needs_rehash(stored.data(), limits.ops, limits.mem) != 0;
}

}  // namespace keyun::core
