// GateClient: how a gate terminal (`keyun gate`) talks to its station's node — log in as gate
// staff, fetch the gate feed (gate_feed.h), push its journal of check-ins.
//
//   GateClient node("127.0.0.1", 8080);
//   if (auto ok = node.Login("gate", password); !ok) …
//   Result<GateFeed> feed = node.FetchFeed(station, std::chrono::hours(6), revocations_seen);
//   Result<JournalPushResult> pushed = node.PushJournal(records);
//
// Errors: kUnavailable when the node cannot be reached (the gate goes on offline and retries
// later); the node's own error (code and message from its JSON body) otherwise.
// Thread-safety: one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>

#include "http/gate_feed.h"
#include "http/http_client.h"

namespace keyun::http {

class GateClient final {
 public:
  GateClient(std::string host, std::uint16_t port) : http_(std::move(host), port) {}

  [[nodiscard]] Result<void> Login(const std::string& username, const std::string& password);
  [[nodiscard]] Result<GateFeed> FetchFeed(const std::string& station, std::chrono::hours hours,
                                           std::int64_t revocations_since);
  [[nodiscard]] Result<JournalPushResult> PushJournal(
      std::span<const checkin::CheckinRecord> records);

 private:
  // The reply's body if 2xx; the node's error otherwise.
  Result<std::string> Call(std::string_view method, const std::string& target,
                              const std::string& body);

  HttpClient http_;
  std::string token_;
};

}  // namespace keyun::http
