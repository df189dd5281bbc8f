#include "network/login_throttle.h"

#include <algorithm>

#include "core/result.h"

namespace keyun::network {
namespace {

// The account key: the username as typed, ASCII case folded and cut, so "Clerk1" and
// "clerk1" share one counter and a huge input makes no huge key.
std::string AccountKey(std::string_view username) {
  std::string key = CutUtf8(username, 64);
  for (char& c : key) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return key;
}

}  // namespace

std::optional<LoginThrottle::Refusal> LoginThrottle::Admit(std::string_view username,
                                                           std::string_view address) {
  const core::Instant now = clock_.Now();
  const std::string account = AccountKey(username);
  const std::string where(address);
  std::lock_guard lock(mu_);
  std::optional<Refusal> refusal;
  auto consider = [&](Keys& keys, const std::string& key, int threshold, Refusal::Scope scope) {
    auto it = keys.find(key);
    if (it == keys.end()) return;
    Entry& entry = it->second;
    core::Instant until = entry.locked_until;
    // Enough attempts under way to reach the lock when they fail: wait for them.
    if (until <= now && entry.in_flight > 0 && entry.failures + entry.in_flight >= threshold) {
      until = now + policy_.first_delay;
    }
    if (until <= now) return;
    if (!refusal || until > refusal->until) {
      refusal = Refusal{.scope = scope, .until = until, .first = false};
    }
    if (!entry.refusal_reported && until == entry.locked_until) {
      entry.refusal_reported = true;
      refusal->first = true;
    }
  };
  consider(accounts_, account, policy_.account_failures, Refusal::Scope::kAccount);
  if (!where.empty()) {
    consider(addresses_, where, policy_.address_failures, Refusal::Scope::kAddress);
  }
  if (refusal) return refusal;
  Bound(accounts_, now);
  ++accounts_[account].in_flight;
  if (!where.empty()) {
    Bound(addresses_, now);
    ++addresses_[where].in_flight;
  }
  return std::nullopt;
}

void LoginThrottle::Done(std::string_view username, std::string_view address, bool ok,
                         core::Instant at) {
  std::lock_guard lock(mu_);
  Decide(username, address, ok, at, true);
}

void LoginThrottle::Replay(std::string_view username, std::string_view address, bool ok,
                           core::Instant at) {
  std::lock_guard lock(mu_);
  Decide(username, address, ok, at, false);
}

void LoginThrottle::Decide(std::string_view username, std::string_view address, bool ok,
                           core::Instant at, bool admitted) {
  const std::string account = AccountKey(username);
  const std::string where(address);
  auto settle = [&](Keys& keys, const std::string& key) {
    if (!admitted) return;
    auto it = keys.find(key);
    if (it != keys.end() && it->second.in_flight > 0) --it->second.in_flight;
  };
  settle(accounts_, account);
  if (!where.empty()) settle(addresses_, where);
  if (ok) {
    // The account starts again; the address does not (see the header).
    auto it = accounts_.find(account);
    if (it != accounts_.end()) {
      const int in_flight = it->second.in_flight;
      it->second = Entry{};
      it->second.in_flight = in_flight;
      if (in_flight == 0) accounts_.erase(it);
    }
    return;
  }
  Fail(accounts_, account, policy_.account_failures, at);
  if (!where.empty()) Fail(addresses_, where, policy_.address_failures, at);
}

void LoginThrottle::Fail(Keys& keys, const std::string& key, int threshold, core::Instant at) {
  Bound(keys, at);
  Entry& entry = keys[key];
  // Quiet for a whole window after the last failure and the lock it caused: start again.
  if (entry.failures > 0 &&
      at - std::max(entry.last_failure, entry.locked_until) > policy_.window) {
    const int in_flight = entry.in_flight;
    entry = Entry{};
    entry.in_flight = in_flight;
  }
  ++entry.failures;
  entry.last_failure = at;
  if (entry.failures < threshold) return;
  const int doublings = std::min(entry.failures - threshold, 30);
  std::chrono::seconds delay = policy_.first_delay * (std::int64_t{1} << doublings);
  delay = std::min(delay, policy_.max_delay);
  if (at + delay > entry.locked_until) {
    entry.locked_until = at + delay;
    entry.refusal_reported = false;
  }
}

void LoginThrottle::Bound(Keys& keys, core::Instant now) {
  if (keys.size() < policy_.max_keys) return;
  std::erase_if(keys, [&](const auto& item) {
    const Entry& e = item.second;
    return e.in_flight == 0 && now - std::max(e.last_failure, e.locked_until) > policy_.window;
  });
  if (keys.size() < policy_.max_keys) return;
  // Still full of recent keys (a spray of names): keep only the locked and busy ones.
  std::erase_if(keys, [&](const auto& item) {
    return item.second.in_flight == 0 && item.second.locked_until <= now;
  });
}

}  // namespace keyun::network
