#include "http/gate_client.h"

#include "http/gate_feed_json.h"

namespace keyun::http {

using nlohmann::json;

namespace {

Result<json> ParseBody(const Result<std::string>& body) {
  if (!body) return tl::unexpected(body.error());
  json parsed = json::parse(*body, nullptr, false);
  if (parsed.is_discarded()) return Unavailable("the node answered with a body that is not JSON");
  return parsed;
}

}  // namespace

Result<std::string> GateClient::Call(std::string_view method, const std::string& target,
                              const std::string& body) {
  std::vector<std::pair<std::string, std::string>> headers;
  if (!token_.empty()) headers.emplace_back("Authorization", "Bearer " + token_);
  auto reply = http_.Send(method, target, body, headers);
  if (!reply) return Propagate(reply);
  if (reply->status / 100 == 2) return std::move(reply->body);
  json parsed = json::parse(reply->body, nullptr, false);
  // The node's own error (DESIGN.md §10: {"error": {"code", "message", "field"}}); a reply
  // without one (a proxy, a crash) counts as the node being unavailable.
  std::string message = "the node answered " + std::to_string(reply->status);
  ErrorCode code = ErrorCode::kUnavailable;
  std::string field;
  if (!parsed.is_discarded() && parsed.contains("error") && parsed["error"].is_object()) {
    const json& error = parsed["error"];
    if (auto named = ErrorCodeFromName(error.value("code", ""))) code = *named;
    message += ": " + error.value("message", "");
    if (error.contains("field") && error["field"].is_string()) field = error["field"];
  }
  return tl::unexpected(Error{code, message, field});
}

Result<void> GateClient::Login(const std::string& username, const std::string& password) {
  token_.clear();
  auto reply = ParseBody(Call("POST", "/api/v1/session",
                              json{{"username", username}, {"password", password}}.dump()));
  if (!reply) return Propagate(reply);
  if (!reply->contains("token") || !(*reply)["token"].is_string()) {
    return Unavailable("the node's login answer has no token");
  }
  token_ = (*reply)["token"].get<std::string>();
  return {};
}

Result<GateFeed> GateClient::FetchFeed(const std::string& station, std::chrono::hours hours,
                                       std::int64_t revocations_since) {
  auto reply = ParseBody(Call("GET",
                              "/api/v1/gate-feed?station=" + station + "&hours=" +
                                  std::to_string(hours.count()) + "&revocations_since=" +
                                  std::to_string(revocations_since),
                              ""));
  if (!reply) return Propagate(reply);
  auto feed = GateFeedFromJson(*reply);
  if (!feed) return Unavailable("the node's gate feed is malformed: " + feed.error().message);
  return feed;
}

Result<JournalPushResult> GateClient::PushJournal(std::span<const checkin::CheckinRecord> records) {
  json list = json::array();
  for (const auto& r : records) list.push_back(ToJson(r));
  auto reply = ParseBody(Call("POST", "/api/v1/checkins/journal", json{{"records", list}}.dump()));
  if (!reply) return Propagate(reply);
  auto result = JournalPushResultFromJson(*reply);
  if (!result) return Unavailable("the node's journal answer is malformed: " + result.error().message);
  return result;
}

}  // namespace keyun::http
