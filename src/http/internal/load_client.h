// What the load generators (`keyun bench sales`, `keyun bench checkins`) share to talk to a
// node: the Bearer header, an expected-status check that names the call, and a staff login.
// Private to http/.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "http/http_client.h"

namespace keyun::http::internal {

using Headers = std::vector<std::pair<std::string, std::string>>;

inline Headers Bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

// The body as JSON, or kUnavailable naming the call when the node answered something else.
inline Result<nlohmann::json> Expect(const Result<HttpReply>& reply, int status,
                                     std::string_view what) {
  if (!reply) return Propagate(reply);
  if (reply->status != status) {
    ErrorCode code = reply->status == 401 ? ErrorCode::kUnauthenticated : ErrorCode::kUnavailable;
    return tl::unexpected(Error{code,
                                std::string(what) + " answered " + std::to_string(reply->status) +
                                    ": " + reply->body.substr(0, 300),
                                ""});
  }
  if (reply->body.empty()) return nlohmann::json();
  nlohmann::json body = nlohmann::json::parse(reply->body, nullptr, false);
  if (body.is_discarded()) return nlohmann::json(reply->body);  // a text body (the voucher)
  return body;
}

// Logs `user` in and returns the session's token.
inline Result<std::string> Login(HttpClient& client, const std::string& user,
                                 const std::string& pass) {
  auto body = Expect(client.Send("POST", "/api/v1/session",
                                 nlohmann::json{{"username", user}, {"password", pass}}.dump()),
                     201, "login of " + user);
  if (!body) return Propagate(body);
  return body->at("token").get<std::string>();
}

}  // namespace keyun::http::internal
