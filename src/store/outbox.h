// The event outbox (DESIGN.md §5): business events appended in the same transaction as the
// change they report, numbered without gaps, for the exchange with the national hub to ship.
//
//   Result<std::int64_t> seq = AppendEvent(tx, OutboxEvent{
//       .kind = "departed", .subject = run_id, .at = now,
//       .fields = {{"station", "370102001"}, {"vehicle", "鲁A12345"}, {"boarded", "38"}}});
//   Result<std::vector<OutboxEvent>> batch = ReadEvents(tx, /*after=*/acknowledged, 1000);
//
// The body is stored as one flat JSON object of string fields ({"station":"370102001", …}), so
// a shipper forwards it as it is; numbers travel as their decimal text. Written by the services
// (checkin's departure today), read by the exchange part.
//
// Thread-safety: functions over the caller's transaction.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "store/store.h"

namespace keyun::store {

struct OutboxEvent {
  std::int64_t sequence = 0;  // set by AppendEvent; gap-free, from 1
  std::string kind;           // "departed", … lower_snake, 1..40 characters
  std::string subject;        // what the event is about: a run id, a ticket number
  core::Instant at = {};
  std::vector<std::pair<std::string, std::string>> fields = {};  // the body, in order

  bool operator==(const OutboxEvent&) const = default;
};

// Appends `event` in `tx` and returns its sequence; rolled back with `tx`, so committed
// sequences have no gaps. kInvalidArgument for an empty or over-long kind or an empty subject.
[[nodiscard]] Result<std::int64_t> AppendEvent(Transaction& tx, const OutboxEvent& event);

// Events with sequence > `after`, in order, at most `limit` (1..100000).
[[nodiscard]] Result<std::vector<OutboxEvent>> ReadEvents(Transaction& tx, std::int64_t after,
                                                          int limit);

// The body as stored: {"name":"value",…}, strings escaped as JSON requires.
[[nodiscard]] std::string OutboxBodyJson(
    const std::vector<std::pair<std::string, std::string>>& fields);
// The inverse of OutboxBodyJson for bodies it wrote; kInternal for anything else.
[[nodiscard]] Result<std::vector<std::pair<std::string, std::string>>> ParseOutboxBody(
    std::string_view body);

}  // namespace keyun::store
