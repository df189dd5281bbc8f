// Ticket numbers as 64-bit hash keys. Private to checkin.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/ids.h"

namespace keyun::checkin::internal {

// The first 19 digits of a ticket number as one integer (at most 10^19 − 1 < 2^64). The 20th
// character is the check character, which follows from them, so the key identifies the ticket;
// hashing it costs a multiply instead of a pass over a 20-byte string.
[[nodiscard]] inline std::uint64_t TicketKey(const core::TicketNumber& ticket) {
  const std::string_view digits = std::string_view(ticket.str()).substr(0, 19);
  std::uint64_t key = 0;
  for (char c : digits) key = key * 10 + static_cast<std::uint64_t>(c - '0');
  return key;
}

}  // namespace keyun::checkin::internal
