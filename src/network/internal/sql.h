// Small helpers shared by the record functions: parameter building, reading stored values back
// into typed ids, and reference checks. Private to src/network.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "core/ids.h"
#include "core/result.h"
#include "core/time.h"
#include "network/master_data.h"
#include "store/store.h"

namespace keyun::network::internal {

[[nodiscard]] inline store::Value Bool(bool value) { return std::int64_t{value ? 1 : 0}; }

template <class Id>
[[nodiscard]] store::Value OptionalText(const std::optional<Id>& id) {
  if (!id) return store::kNull;
  if constexpr (std::is_same_v<Id, std::string>) {
    return *id;
  } else {
    return id->str();
  }
}

// Whether the query returns at least one row.
[[nodiscard]] Result<bool> Exists(store::Transaction& tx, std::string_view sql,
                                  std::initializer_list<store::Value> params);

// Stored text back to typed values. A value the schema let through but the type refuses is a
// broken invariant: kInternal, naming the value.
[[nodiscard]] Result<core::StationCode> StoredStationCode(const std::string& text);
[[nodiscard]] Result<core::CreditCode> StoredCreditCode(const std::string& text);
[[nodiscard]] Result<core::ScheduleCode> StoredScheduleCode(const std::string& text);
[[nodiscard]] Result<core::RunId> StoredRunId(const std::string& text);
[[nodiscard]] Result<core::LocalDate> StoredDate(const std::string& text);
[[nodiscard]] Result<VehicleClass> StoredVehicleClass(const std::string& text);

// kFailedPrecondition naming `field` unless the station / carrier exists.
[[nodiscard]] Result<void> RequireStation(store::Transaction& tx, const core::StationCode& code,
                                          std::string_view field);
[[nodiscard]] Result<void> RequireCarrier(store::Transaction& tx, const core::CreditCode& code,
                                          std::string_view field);

}  // namespace keyun::network::internal
