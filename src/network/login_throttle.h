// LoginThrottle (登录限流): how often a staff login may be tried, per account and per client
// address. The rule only, in memory; StaffLogin (staff_login.h) applies it and audits.
//
//   LoginThrottle throttle(clock);
//   if (auto refused = throttle.Admit("clerk1", "10.0.0.7")) return Refuse(refused->until);
//   bool ok = ...verify the password...;
//   throttle.Done("clerk1", "10.0.0.7", ok, clock.Now());
//
// The rule, for each key (an account by the username typed, ASCII case folded; an address):
//   - failures count while each follows the last, or the end of the lock it caused, within
//     `window` (15 min); after a quiet `window` the key starts again from zero;
//   - the `threshold`-th failure (5 for an account, 20 for an address, so one clerk mistyping
//     does not lock a station's shared address) locks the key for first_delay (1 s), each
//     further one for twice the last (2 s, 4 s, …), at most max_delay (15 min);
//   - while locked every attempt is refused at once, with the right password too, without
//     looking at the password (so no thread waits and no hash is computed); it is not counted;
//   - attempts admitted and not yet done count as failures to come: a burst of parallel
//     guesses gets at most `threshold` through, the rest are refused for first_delay;
//   - a success clears the account's failures but not the address's: an attacker's own valid
//     account must not let an address go on guessing at others.
// Unknown usernames count like known ones, so the answer never tells which exist.
// State is bounded: past max_keys keys, idle ones are forgotten (then any unlocked ones).
//
// Thread-safety: every method may be called from any thread. The clock must outlive it.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/time.h"

namespace keyun::network {

class LoginThrottle final {
 public:
  struct Policy {
    int account_failures = 5;   // failures of one account before it is locked
    int address_failures = 20;  // failures from one client address before it is locked
    std::chrono::seconds window{15 * 60};
    std::chrono::seconds first_delay{1};
    std::chrono::seconds max_delay{15 * 60};
    std::size_t max_keys = 100'000;  // accounts and addresses remembered at most
  };

  // Why an attempt is refused now.
  struct Refusal {
    enum class Scope { kAccount, kAddress };
    Scope scope;
    core::Instant until;  // the attempt may be made again from then
    // The first refusal of this lock (an audit records one row per lock, not every retry).
    bool first = false;
  };

  explicit LoginThrottle(const core::Clock& clock) : LoginThrottle(clock, Policy{}) {}
  LoginThrottle(const core::Clock& clock, Policy policy) : clock_(clock), policy_(policy) {}

  // Whether an attempt for `username` from `address` (empty: not known, not limited) may be
  // made now: nullopt admits it (call Done when it is decided); a Refusal says until when it
  // is refused, the later end when both keys are locked.
  [[nodiscard]] std::optional<Refusal> Admit(std::string_view username, std::string_view address);
  // Ends an attempt Admit let through: `ok` (the password was right) or a failure (wrong
  // password, unknown user, disabled account) at `at`.
  void Done(std::string_view username, std::string_view address, bool ok, core::Instant at);
  // An attempt decided before this throttle existed (the audit, replayed at start), at `at`.
  void Replay(std::string_view username, std::string_view address, bool ok, core::Instant at);

  [[nodiscard]] const Policy& policy() const { return policy_; }

 private:
  struct Entry {
    int failures = 0;
    int in_flight = 0;  // admitted, not done
    core::Instant last_failure;
    core::Instant locked_until;
    bool refusal_reported = false;
  };
  using Keys = std::unordered_map<std::string, Entry>;
  // Counts a failure on `key` of `keys`, locking it from `threshold` failures on. Needs mu_.
  void Fail(Keys& keys, const std::string& key, int threshold, core::Instant at);
  // Records a decided attempt; `admitted`: it was counted in flight by Admit. Needs mu_.
  void Decide(std::string_view username, std::string_view address, bool ok, core::Instant at,
              bool admitted);
  // Forgets idle keys when there are too many. Needs mu_.
  void Bound(Keys& keys, core::Instant now);

  const core::Clock& clock_;  // constant after construction
  const Policy policy_;       // constant after construction
  std::mutex mu_;
  Keys accounts_;   // guarded by mu_; by folded username
  Keys addresses_;  // guarded by mu_
};

}  // namespace keyun::network
