// Check-in rows and station settings as the check-in service reads them from the store,
// shared by its files (checkin_service.cc, station_operations.cc). Private to checkin.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "checkin/gate_decision.h"
#include "checkin/gate_verifier.h"
#include "core/ids.h"
#include "core/result.h"
#include "store/store.h"

namespace keyun::checkin::internal {

// The columns every check-in query selects, in this order (see CheckinFromRow).
inline constexpr std::string_view kCheckinColumns =
    "ticket_number, run_id, gate, operator, method, at";

// The check-in in columns first..first+5 of `r` (kCheckinColumns' order). kInternal if corrupt.
[[nodiscard]] Result<CheckinRecord> CheckinFromRow(const store::Row& r, std::size_t first = 0);

// The ticket's check-in, or nullopt.
[[nodiscard]] Result<std::optional<CheckinRecord>> LoadCheckin(store::Transaction& tx,
                                                               const std::string& ticket_number);

// The check-in window at `station`: its own setting (table station_settings) where it has one,
// otherwise `province_default`. An override that no longer fits the default's other end (a
// window that would not open before it closes) falls back to the default.
[[nodiscard]] Result<CheckinWindow> StationWindow(store::Transaction& tx,
                                                  const core::StationCode& station,
                                                  const CheckinWindow& province_default);

}  // namespace keyun::checkin::internal
