// Staff sessions: the bearer tokens handed out by POST /api/v1/session.
//
//   Sessions sessions(clock);
//   std::string token = sessions.Create({.username = "clerk", .role = "clerk", ...}).token;
//   Result<SessionInfo> who = sessions.Authenticate(request);  // from "Authorization: Bearer …"
//
// Tokens are 256-bit random values; the node keeps them in memory, so a restart logs everyone
// out (staff log in again; no ticket state lives in a session). Thread-safe.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/result.h"
#include "http/server.h"

namespace keyun::http {

class Sessions {
 public:
  explicit Sessions(const core::Clock& clock, std::chrono::minutes lifetime = std::chrono::hours(12))
      : clock_(clock), lifetime_(lifetime) {}

  struct Started {
    std::string token;
    core::Instant expires_at;
  };
  // Starts a session for `info` (its expires_at is set here) and returns its token.
  [[nodiscard]] Started Create(SessionInfo info);
  // The session of the request's bearer token. kUnauthenticated when the header is missing,
  // malformed, unknown or expired; the message says to log in again.
  [[nodiscard]] Result<SessionInfo> Authenticate(const Request& request);
  // Ends a session; unknown tokens are ignored.
  void End(const std::string& token);

 private:
  const core::Clock& clock_;
  const std::chrono::minutes lifetime_;
  std::mutex mu_;
  std::unordered_map<std::string, SessionInfo> sessions_;  // guarded by mu_
};

}  // namespace keyun::http
