// The revocation list (作废名单): tickets whose vouchers no longer admit anyone because the
// ticket was refunded (退票) or changed to another run (改签). A refunded or changed ticket's
// voucher is revoked everywhere at once, gates included (DESIGN.md §3); the node numbers each
// revocation with a sequence, and a gate asks for what it has not seen
// (GET /revocations?since=N) and applies it incrementally.
//
//   RevocationList list;
//   list.Apply({{.sequence = 1, .ticket_number = t, .reason = RevocationReason::kRefunded}});
//   list.Find(t);         // kRefunded
//   list.sequence();      // 1: ask for ?since=1 next time
//
// Keyed by ticket number: a change (改签) issues the passenger a new ticket number and revokes
// the old one, so revoking by number never voids the new voucher.
//
// Thread-safety: a value; not synchronised (GateVerifier holds one under its mutex).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <unordered_map>

#include "core/ids.h"
#include "core/result.h"
#include "eticket/revocations.h"

namespace keyun::checkin {

// The reason and entry types live with the store's list in eticket (eticket/revocations.h),
// which refunds and changes write; the gate uses the same values.
using eticket::ParseRevocationReason;
using eticket::Revocation;
using eticket::RevocationReason;
using eticket::RevocationReasonName;

class RevocationList final {
 public:
  RevocationList() = default;

  // Applies `updates`, which must be in strictly increasing sequence order and have
  // sequences > 0 (InvalidArgument, nothing applied, otherwise). Entries at or below
  // sequence() were applied before and are skipped, so a batch delivered twice changes
  // nothing. A ticket revoked twice keeps its first reason. Returns how many entries were new.
  [[nodiscard]] Result<std::size_t> Apply(std::span<const Revocation> updates);

  // Why `ticket` is revoked, or nullopt if it is not.
  [[nodiscard]] std::optional<RevocationReason> Find(const core::TicketNumber& ticket) const;

  // The highest sequence applied; 0 before any.
  [[nodiscard]] std::int64_t sequence() const { return sequence_; }
  // How many tickets are revoked.
  [[nodiscard]] std::size_t size() const { return revoked_.size(); }

 private:
  std::unordered_map<std::uint64_t, RevocationReason> revoked_;  // key: internal::TicketKey
  std::int64_t sequence_ = 0;
};

}  // namespace keyun::checkin
