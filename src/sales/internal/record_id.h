// Ids of the sales part's own records (orders "O…", payments "P…"). Private to sales/.
#pragma once

#include <string>

#include "core/time.h"

namespace keyun::sales::internal {

// `prefix` + the Shanghai date + a process counter + 24 random bits, e.g. "O2026112300018c1bdd":
// sortable by day, unique within the process, and not guessable from a neighbour's id.
[[nodiscard]] std::string NewRecordId(char prefix, const core::Instant& now);

}  // namespace keyun::sales::internal
