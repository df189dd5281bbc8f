// Revocations (作废名单) in the store: the node's list of tickets whose vouchers no longer
// admit anyone because the ticket was refunded (退票) or changed to another run (改签). A
// refunded or changed ticket's voucher is revoked everywhere at once, gates included
// (DESIGN.md §3, §4); gates fetch the list incrementally (GET /api/v1/revocations?since=N).
//
//   // inside the refund's own transaction:
//   Result<std::int64_t> seq = RevokeTicket(tx, number, RevocationReason::kRefunded, now);
//   Result<std::vector<Revocation>> news = ReadRevocations(tx, /*since=*/gate_seen, 10000);
//
// The writer lives here, in eticket (the voucher's part), so that sales (refunds, changes) and
// checkin (gates) both use it without depending on each other. The table is `revocations`
// (migration 0006): one row per ticket, numbered without gaps (store::NextSequence
// "revocation"), so a gate asking for ?since=N misses nothing.
//
// Thread-safety: functions over the caller's transaction.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/ids.h"
#include "core/result.h"
#include "core/time.h"
#include "store/store.h"

namespace keyun::eticket {

// Why a voucher was revoked. The wire value is the enumerator's value.
enum class RevocationReason : std::uint8_t {
  kRefunded = 1,  // 退票
  kChanged = 2,   // 改签
};
// "refunded", "changed".
[[nodiscard]] std::string_view RevocationReasonName(RevocationReason reason);
// The inverse of RevocationReasonName; InvalidArgument (field "reason") otherwise.
[[nodiscard]] Result<RevocationReason> ParseRevocationReason(std::string_view name);

struct Revocation {
  std::int64_t sequence = 0;  // > 0, strictly increasing in the node's list
  core::TicketNumber ticket_number;
  RevocationReason reason = RevocationReason::kRefunded;

  bool operator==(const Revocation&) const = default;
};

// Adds `ticket` to the revocation list in `tx` and returns its sequence. A ticket revoked
// before keeps its first entry (and reason): its sequence is returned and nothing is written.
// Rolled back with `tx`, so committed sequences have no gaps. Store errors only.
[[nodiscard]] Result<std::int64_t> RevokeTicket(store::Transaction& tx,
                                                const core::TicketNumber& ticket,
                                                RevocationReason reason, core::Instant at);

// The revocations after sequence `since` (>= 0), in order, at most `limit`. kInternal for a
// corrupt row.
[[nodiscard]] Result<std::vector<Revocation>> ReadRevocations(store::Transaction& tx,
                                                              std::int64_t since, int limit);

}  // namespace keyun::eticket
