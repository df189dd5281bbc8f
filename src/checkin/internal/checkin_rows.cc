#include "checkin/internal/checkin_rows.h"

#include <fmt/format.h>

namespace keyun::checkin::internal {

using store::Value;

Result<CheckinRecord> CheckinFromRow(const store::Row& r, std::size_t first) {
  auto number = core::TicketNumber::Parse(r.Text(first));
  auto run = core::RunId::Parse(r.Text(first + 1));
  auto method = ParseCheckinMethod(r.Text(first + 4));
  if (!method || !run || !number) {
    return Internal("check-in of " + r.Text(first) + " is corrupt in the store");
  }
  return CheckinRecord{.ticket_number = *number,
                       .run_id = *run,
                       .gate_id = r.Text(first + 2),
                       .operator_id = r.Text(first + 3),
                       .method = *method,
                       .at = core::Instant::FromUnixMicros(r.Int(first + 5))};
}

Result<std::optional<CheckinRecord>> LoadCheckin(store::Transaction& tx,
                                                 const std::string& ticket_number) {
  auto rows = tx.Query(fmt::format("SELECT {} FROM checkins WHERE ticket_number = $1",
                                   kCheckinColumns),
                       {Value{ticket_number}});
  if (!rows) return Propagate(rows);
  if (rows->empty()) return std::optional<CheckinRecord>();
  auto record = CheckinFromRow(rows->front());
  if (!record) return Propagate(record);
  return std::optional<CheckinRecord>(std::move(*record));
}

Result<CheckinWindow> StationWindow(store::Transaction& tx, const core::StationCode& station,
                                    const CheckinWindow& province_default) {
  auto rows = tx.Query(
      "SELECT checkin_opens_minutes, checkin_closes_minutes FROM station_settings "
      "WHERE station = $1",
      {Value{station.str()}});
  if (!rows) return Propagate(rows);
  CheckinWindow window = province_default;
  if (!rows->empty()) {
    const store::Row& r = rows->front();
    if (auto opens = r.OptionalInt(0)) window.opens_before = std::chrono::minutes(*opens);
    if (auto closes = r.OptionalInt(1)) window.closes_before = std::chrono::minutes(*closes);
  }
  // A station's override with the other end from a changed province default may not fit.
  if (auto valid = window.Validate(); !valid) return province_default;
  return window;
}

}  // namespace keyun::checkin::internal
