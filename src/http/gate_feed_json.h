// JSON of check-in records, revocations and the gate feed (gate_feed.h), shared by the node's
// handlers (checkin_api) and GateClient. Private to http/.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "http/gate_feed.h"

namespace keyun::http {

[[nodiscard]] nlohmann::json ToJson(const checkin::CheckinRecord& record);
[[nodiscard]] Result<checkin::CheckinRecord> CheckinRecordFromJson(const nlohmann::json& j,
                                                                   const std::string& at);
[[nodiscard]] nlohmann::json ToJson(const checkin::Revocation& revocation);
[[nodiscard]] nlohmann::json ToJson(const GateFeed& feed);
[[nodiscard]] Result<GateFeed> GateFeedFromJson(const nlohmann::json& j);
[[nodiscard]] nlohmann::json ToJson(const JournalPushResult& result);
[[nodiscard]] Result<JournalPushResult> JournalPushResultFromJson(const nlohmann::json& j);

}  // namespace keyun::http
