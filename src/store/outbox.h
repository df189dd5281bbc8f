// The event outbox (DESIGN.md §5): business events appended in the same transaction as the
// change they report, numbered without gaps, for the exchange with the national hub to ship.
//
//   Result<void> appended = AppendEvent(tx, OutboxEvent{
//       .kind = "departed", .subject = run_id, .at = now,
//       .fields = {{"station", "370102001"}, {"vehicle", "鲁A12345"}, {"boarded", "38"}}});
//   ...
//   Result<int> numbered = SequenceEvents(store);            // the node's job, about once a second
//   Result<std::vector<OutboxEvent>> batch = ReadEvents(tx, /*after=*/acknowledged, 1000);
//
// Appending takes no shared row, so concurrent sales never wait on each other for it: the event
// goes to `outbox_pending` under its own id. SequenceEvents, run by one job, later gives the
// events of finished transactions their gap-free sequence in `outbox`, where ReadEvents finds
// them. Once a sequence is given, no event is ever given a lower one, so a shipper that sends
// everything after the hub's acknowledged sequence loses nothing and sends nothing twice.
//
// The body is stored as one flat JSON object of string fields ({"station":"370102001", …}), so
// a shipper forwards it as it is; numbers travel as their decimal text. Written by the services
// (sold, checked_in, departed, refunded, changed, run_stopped), read by the exchange part.
//
// Thread-safety: AppendEvent and ReadEvents work in the caller's transaction; SequenceEvents
// runs its own and is safe to call from several threads (they serialize on the counter).
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
  std::int64_t sequence = 0;  // given by SequenceEvents; gap-free, from 1
  std::string kind;           // "departed", … lower_snake, 1..40 characters
  std::string subject;        // what the event is about: a run id, a ticket number
  core::Instant at = {};
  std::vector<std::pair<std::string, std::string>> fields = {};  // the body, in order

  bool operator==(const OutboxEvent&) const = default;
};

// Appends `event` in `tx`, to be numbered once `tx` has committed (rolled back with it, so a
// lost transaction leaves no event and no gap). `event.sequence` is ignored.
// kInvalidArgument for an empty or over-long kind or an empty subject.
[[nodiscard]] Result<void> AppendEvent(Transaction& tx, const OutboxEvent& event);

// Gives the next gap-free sequences to at most `limit` (1..100000) appended events whose
// transactions have finished, in one transaction of its own, and returns how many. On
// PostgreSQL an event whose transaction is older than one still running waits for the next
// call, so no later call can number an event below one already numbered. 0 when none waits.
[[nodiscard]] Result<int> SequenceEvents(Store& store, int limit = 10000);

// Numbered events with sequence > `after`, in order, at most `limit` (1..100000).
[[nodiscard]] Result<std::vector<OutboxEvent>> ReadEvents(Transaction& tx, std::int64_t after,
                                                          int limit);

// The body as stored: {"name":"value",…}, strings escaped as JSON requires.
[[nodiscard]] std::string OutboxBodyJson(
    const std::vector<std::pair<std::string, std::string>>& fields);
// The inverse of OutboxBodyJson for bodies it wrote; kInternal for anything else.
[[nodiscard]] Result<std::vector<std::pair<std::string, std::string>>> ParseOutboxBody(
    std::string_view body);

}  // namespace keyun::store
