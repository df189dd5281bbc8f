#include "http/sessions.h"

#include "core/hex.h"

#include <sys/random.h>

#include <array>
#include <cstdint>
#include <stdexcept>

namespace keyun::http {
namespace {

std::string RandomToken() {
  std::array<std::uint8_t, 32> bytes{};
  std::size_t filled = 0;
  while (filled < bytes.size()) {
    ssize_t n = getrandom(bytes.data() + filled, bytes.size() - filled, 0);
    if (n < 0) throw std::runtime_error("getrandom failed");
    filled += static_cast<std::size_t>(n);
  }
  return core::ToHex(bytes);
}

}  // namespace

Sessions::Started Sessions::Create(SessionInfo info) {
  std::string token = RandomToken();
  info.expires_at = clock_.Now() + lifetime_;
  std::lock_guard lock(mu_);
  // Expired sessions are dropped here rather than by a timer: logins are rare.
  core::Instant now = clock_.Now();
  std::erase_if(sessions_, [&](const auto& entry) { return entry.second.expires_at <= now; });
  Started started{token, info.expires_at};
  sessions_.emplace(token, std::move(info));
  return started;
}

Result<SessionInfo> Sessions::Authenticate(const Request& request) {
  std::optional<std::string> header = request.Header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (!header || !header->starts_with(kBearer)) {
    return InZh(Unauthenticated("log in first: send 'Authorization: Bearer <token>' from POST "
                                "/api/v1/session"),
                "请先登录");
  }
  std::string token = header->substr(kBearer.size());
  std::lock_guard lock(mu_);
  auto it = sessions_.find(token);
  if (it == sessions_.end() || it->second.expires_at <= clock_.Now()) {
    if (it != sessions_.end()) sessions_.erase(it);
    return InZh(Unauthenticated("the session has expired or is unknown; log in again"),
                "登录已过期，请重新登录");
  }
  return it->second;
}

void Sessions::End(const std::string& token) {
  std::lock_guard lock(mu_);
  sessions_.erase(token);
}

}  // namespace keyun::http
