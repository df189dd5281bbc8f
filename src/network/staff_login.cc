#include "network/staff_login.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace keyun::network {
namespace {

using store::Value;

constexpr std::string_view kSuccess = "success";

std::string_view OutcomeKey(NetworkService::LoginOutcome outcome) {
  switch (outcome) {
    case NetworkService::LoginOutcome::kSuccess: return kSuccess;
    case NetworkService::LoginOutcome::kWrongPassword: return "wrong_password";
    case NetworkService::LoginOutcome::kUnknownUser: return "unknown_user";
    case NetworkService::LoginOutcome::kDisabled: return "disabled";
  }
  return "wrong_password";
}

// "8 s" / "15 min" and "8 秒" / "15 分钟": how long to wait, as a person reads it.
std::pair<std::string, std::string> Wait(std::int64_t seconds) {
  if (seconds < 120) return {fmt::format("{} s", seconds), fmt::format("{} 秒", seconds)};
  const std::int64_t minutes = (seconds + 59) / 60;
  return {fmt::format("{} min", minutes), fmt::format("{} 分钟", minutes)};
}

Error Locked(const LoginThrottle::Refusal& refusal, core::Instant now) {
  const auto left = std::chrono::ceil<std::chrono::seconds>(refusal.until - now);
  const std::int64_t seconds = std::max<std::int64_t>(1, left.count());
  const auto [wait_en, wait_zh] = Wait(seconds);
  // "2026-11-24T07:02:11+08:00" → "07:02:11", Beijing time.
  const std::string at = refusal.until.ToIso8601().substr(11, 8);
  Error error{ErrorCode::kResourceExhausted, {}, {}};
  if (refusal.scope == LoginThrottle::Refusal::Scope::kAccount) {
    error.message = fmt::format(
        "too many failed logins for this account, so it is locked for now: try again in {} "
        "(after {} Beijing time). If the password is forgotten, ask an administrator to set a "
        "new one",
        wait_en, at);
    error.message_zh = fmt::format(
        "该账号登录失败次数过多，已暂时锁定：请在 {}后（北京时间 {} 之后）再试。如忘记密码，"
        "请联系管理员重设",
        wait_zh, at);
    error.field = "username";
  } else {
    error.message = fmt::format(
        "too many failed logins from this address, so logins from it are refused for now: try "
        "again in {} (after {} Beijing time)",
        wait_en, at);
    error.message_zh = fmt::format(
        "本机地址登录失败次数过多，暂时不能登录：请在 {}后（北京时间 {} 之后）再试", wait_zh, at);
  }
  error.retry_after_seconds = seconds;
  return error;
}

}  // namespace

StaffLogin::StaffLogin(store::Store& store, NetworkService& network, const core::Clock& clock,
                       LoginThrottle::Policy policy)
    : store_(store), network_(network), clock_(clock), throttle_(clock, policy) {}

Result<Staff> StaffLogin::LogIn(std::string_view username, std::string_view password,
                                std::string_view client_address) {
  ReplayAuditOnce();
  const std::string address = CutUtf8(client_address, 64);
  if (auto refused = throttle_.Admit(username, address)) {
    const core::Instant now = clock_.Now();
    if (refused->first) {
      spdlog::warn("login: {} {} locked until {} after repeated failures",
                   refused->scope == LoginThrottle::Refusal::Scope::kAccount ? "account"
                                                                            : "address",
                   refused->scope == LoginThrottle::Refusal::Scope::kAccount
                       ? Quoted(username)
                       : address,
                   refused->until.ToIso8601());
      Audit(username, address, "throttled", now);
    }
    return tl::unexpected(Locked(*refused, now));
  }
  auto check = network_.CheckLogin(username, password);
  const core::Instant now = clock_.Now();
  if (!check) {
    // Not the person's fault: count nothing, but let the attempt go.
    throttle_.Done(username, address, true, now);
    return Propagate(check);
  }
  const bool ok = check->outcome == NetworkService::LoginOutcome::kSuccess;
  throttle_.Done(username, address, ok, now);
  Audit(username, address, OutcomeKey(check->outcome), now);
  if (!ok) return tl::unexpected(NetworkService::BadLogin());
  return std::move(*check->staff);
}

void StaffLogin::ReplayAuditOnce() {
  std::lock_guard lock(replay_mu_);
  if (replayed_) return;
  const core::Instant since = clock_.Now() - kReplayHorizon;
  // The newest rows first, at most a bound's worth; replayed oldest first.
  constexpr std::int64_t kMaxRows = 200'000;
  auto rows = store_.Transact<store::Rows>(
      [&](store::Transaction& tx) {
        return tx.Query(
            "SELECT at, username, client_address, outcome FROM login_audit WHERE at >= $1 AND "
            "outcome <> 'throttled' ORDER BY at DESC, id DESC LIMIT $2",
            {Value{since.unix_micros()}, Value{kMaxRows}});
      },
      {.read_only = true});
  if (!rows) {
    spdlog::error("login: reading the login audit to rebuild the throttle: {}",
                  rows.error().ToString());
    return;  // asked again at the next login
  }
  for (auto row = rows->rbegin(); row != rows->rend(); ++row) {
    throttle_.Replay(row->Text(1), row->Text(2), row->Text(3) == kSuccess,
                     core::Instant::FromUnixMicros(row->Int(0)));
  }
  if (!rows->empty()) {
    spdlog::info("login: throttle rebuilt from {} audited logins since {}", rows->size(),
                 since.ToIso8601());
  }
  replayed_ = true;
}

void StaffLogin::Audit(std::string_view username, std::string_view address,
                       std::string_view outcome, core::Instant at) {
  auto written = store_.Transact<std::int64_t>([&](store::Transaction& tx) {
    return tx.Execute(
        "INSERT INTO login_audit (at, username, client_address, outcome) VALUES ($1, $2, $3, $4)",
        {Value{at.unix_micros()}, Value{CutUtf8(username, 190)}, Value{std::string(address)},
         Value{std::string(outcome)}});
  });
  if (!written) {
    spdlog::error("login: auditing a {} login of {}: {}", outcome, Quoted(username),
                  written.error().ToString());
  }
}

}  // namespace keyun::network
