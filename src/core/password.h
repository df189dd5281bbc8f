// Staff password hashing: Argon2id through libsodium's crypto_pwhash_str.
//
//   Result<std::string> stored = HashPassword(password);   // save *stored with the user
//   if (!VerifyPassword(stored_hash, typed)) return Unauthenticated("wrong username or password");
//
// The stored string is self-describing ("$argon2id$v=19$m=…,t=…,p=1$salt$hash"), so the cost
// can be raised later without breaking old hashes: PasswordNeedsRehash says when to re-hash at
// the next successful login.
//
// Thread-safety: all functions may be called concurrently. Each call with kInteractive takes
// ~64 MiB of memory and tens of milliseconds of one core: rate-limit logins.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace keyun::core {

enum class PasswordCost {
  kInteractive,   // crypto_pwhash OPSLIMIT/MEMLIMIT_INTERACTIVE: production
  kFastForTests,  // OPSLIMIT/MEMLIMIT_MIN: tests and demo seeding only, never real users
};

// The Argon2id hash string of `password`. InvalidArgument if the password is empty or longer
// than 4096 bytes; ResourceExhausted if the memory for hashing cannot be had.
[[nodiscard]] Result<std::string> HashPassword(std::string_view password,
                                               PasswordCost cost = PasswordCost::kInteractive);

// True if `password` matches `hash` (a string from HashPassword at any cost). False for a wrong
// password and for a malformed hash. Takes as long as hashing at the hash's own cost.
[[nodiscard]] bool VerifyPassword(std::string_view hash, std::string_view password);

// True if `hash` was made with parameters other than `cost`'s (or is malformed): re-hash the
// password after the next successful login.
[[nodiscard]] bool PasswordNeedsRehash(std::string_view hash,
                                       PasswordCost cost = PasswordCost::kInteractive);

}  // namespace keyun::core
