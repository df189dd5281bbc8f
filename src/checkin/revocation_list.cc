#include "checkin/revocation_list.h"

#include <fmt/format.h>

#include "checkin/internal/ticket_key.h"

namespace keyun::checkin {

Result<std::size_t> RevocationList::Apply(std::span<const Revocation> updates) {
  std::int64_t previous = 0;
  for (std::size_t i = 0; i < updates.size(); ++i) {
    const Revocation& r = updates[i];
    if (r.sequence <= previous) {
      return InvalidArgument(
          fmt::format("revocation sequence {} after {}: sequences must be > 0 and increasing",
                      r.sequence, previous),
          fmt::format("revocations[{}].sequence", i));
    }
    if (r.reason != RevocationReason::kRefunded && r.reason != RevocationReason::kChanged) {
      return InvalidArgument("unknown revocation reason", fmt::format("revocations[{}].reason", i));
    }
    previous = r.sequence;
  }
  std::size_t applied = 0;
  for (const Revocation& r : updates) {
    if (r.sequence <= sequence_) continue;
    revoked_.emplace(internal::TicketKey(r.ticket_number), r.reason);
    sequence_ = r.sequence;
    ++applied;
  }
  return applied;
}

std::optional<RevocationReason> RevocationList::Find(const core::TicketNumber& ticket) const {
  const auto it = revoked_.find(internal::TicketKey(ticket));
  if (it == revoked_.end()) return std::nullopt;
  return it->second;
}

}  // namespace keyun::checkin
