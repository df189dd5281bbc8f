// StaffLogin (员工登录): every staff login goes through here — NetworkService's password check
// behind a LoginThrottle (login_throttle.h), and each attempt written to the login_audit table
// (store migration 0016; never a password).
//
//   StaffLogin logins(store, network, clock);
//   Result<Staff> staff = logins.LogIn("clerk1", password, "10.0.0.7");
//   if (!staff && staff.error().code == ErrorCode::kResourceExhausted) {
//     // locked: staff.error().retry_after_seconds says when to try again (HTTP 429)
//   }
//
// The throttle's state is in memory (it is per node), but it is not lost on a restart: the
// first LogIn replays the audited failures and successes of the last day through it, so an
// attack's lockout survives kill -9 and a clean stop alike.
//
// Thread-safety: every method may be called from any thread. The store, network service and
// clock must outlive it.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/time.h"
#include "network/login_throttle.h"
#include "network/master_data.h"
#include "network/network_service.h"
#include "store/store.h"

namespace keyun::network {

class StaffLogin final {
 public:
  StaffLogin(store::Store& store, NetworkService& network, const core::Clock& clock,
             LoginThrottle::Policy policy = {});

  // The active account with this username and password, tried from `client_address` (empty
  // when not known: only the account is then limited). Errors:
  //   kUnauthenticated     wrong username or password, one message for every case;
  //   kResourceExhausted   the account or the address is locked after too many failures: the
  //                        right password is refused too, at once; retry_after_seconds and
  //                        the message (Chinese and English) say when to try again;
  //   kUnavailable, kAborted, kInternal   from the store.
  [[nodiscard]] Result<Staff> LogIn(std::string_view username, std::string_view password,
                                    std::string_view client_address);

  // How far back the throttle is rebuilt from the audit at start.
  static constexpr std::chrono::hours kReplayHorizon{24};

 private:
  // Rebuilds the throttle from the audit once; retried on the next login if the store failed.
  void ReplayAuditOnce();
  // Writes one audit row; a failure is logged, not returned (the login's answer stands).
  void Audit(std::string_view username, std::string_view address, std::string_view outcome,
             core::Instant at);

  store::Store& store_;        // constant after construction
  NetworkService& network_;    // constant after construction
  const core::Clock& clock_;   // constant after construction
  LoginThrottle throttle_;     // thread-safe itself
  std::mutex replay_mu_;
  bool replayed_ = false;  // guarded by replay_mu_
};

}  // namespace keyun::network
