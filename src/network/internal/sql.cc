#include "network/internal/sql.h"

#include <fmt/format.h>

namespace keyun::network::internal {
namespace {

template <class T>
Result<T> Stored(Result<T> parsed, std::string_view what, const std::string& text) {
  if (!parsed) {
    return Internal(
        fmt::format("stored {} \"{}\" is invalid: {}", what, text, parsed.error().message));
  }
  return parsed;
}

}  // namespace

Result<bool> Exists(store::Transaction& tx, std::string_view sql,
                    std::initializer_list<store::Value> params) {
  auto rows = tx.Query(sql, params);
  if (!rows) return Propagate(rows);
  return !rows->empty();
}

Result<core::StationCode> StoredStationCode(const std::string& text) {
  return Stored(core::StationCode::Parse(text), "station code", text);
}
Result<core::CreditCode> StoredCreditCode(const std::string& text) {
  return Stored(core::CreditCode::Parse(text), "credit code", text);
}
Result<core::ScheduleCode> StoredScheduleCode(const std::string& text) {
  return Stored(core::ScheduleCode::Parse(text), "schedule code", text);
}
Result<core::RunId> StoredRunId(const std::string& text) {
  return Stored(core::RunId::Parse(text), "run id", text);
}
Result<core::LocalDate> StoredDate(const std::string& text) {
  return Stored(core::LocalDate::Parse(text), "date", text);
}
Result<VehicleClass> StoredVehicleClass(const std::string& text) {
  return Stored(ParseVehicleClass(text), "vehicle class", text);
}

Result<void> RequireStation(store::Transaction& tx, const core::StationCode& code,
                            std::string_view field) {
  auto exists = Exists(tx, "SELECT 1 FROM stations WHERE code = $1", {code.str()});
  if (!exists) return Propagate(exists);
  if (!*exists) {
    return FailedPrecondition(fmt::format("there is no station {}", code.str()),
                              std::string(field));
  }
  return {};
}

Result<void> RequireCarrier(store::Transaction& tx, const core::CreditCode& code,
                            std::string_view field) {
  auto exists = Exists(tx, "SELECT 1 FROM carriers WHERE credit_code = $1", {code.str()});
  if (!exists) return Propagate(exists);
  if (!*exists) {
    return FailedPrecondition(fmt::format("there is no carrier {}", code.str()),
                              std::string(field));
  }
  return {};
}

}  // namespace keyun::network::internal
