// SalesService::StopRun: 停班 and 停班有售 (sales_service.h, docs/after-sale.md).
#include <fmt/format.h>

#include "sales/internal/run_state.h"
#include "sales/sales_service.h"
#include "store/outbox.h"

namespace keyun::sales {

Result<SalesService::RunStop> SalesService::StopRun(const std::string& run_id,
                                                    const Seller& staff) {
  auto id = core::RunId::Parse(run_id);
  if (!id) return InvalidArgument(id.error().message, "run_id");
  network::RunStatus status = network::RunStatus::kStopped;
  auto state = LoadRun(run_id);
  if (!state) return Propagate(state);
  auto locked = [&]() -> Result<void> {
    std::lock_guard lock((*state)->mu);
    network::Run& run = (*state)->run;
    if (!staff.province_wide && (!staff.station || *staff.station != run.station())) {
      return PermissionDenied("run " + run_id + " is stopped by its origin station " +
                              run.station().str() + "; your account is for " +
                              (staff.station ? staff.station->str() : std::string("no station")));
    }
    // Under the run's lock no sale of it is in progress: once the status is set, none starts.
    auto sold = store_.Transact<std::int64_t>(
        [&](store::Transaction& tx) -> Result<std::int64_t> {
          auto count = tx.QueryOne(
              "SELECT COUNT(*) FROM tickets WHERE run_id = $1 AND active = 1",
              {store::Value{run_id}});
          if (!count) return Propagate(count);
          return count->Int(0);
        },
        {.read_only = true});
    if (!sold) return Propagate(sold);
    status = *sold > 0 ? network::RunStatus::kStoppedSold : network::RunStatus::kStopped;
    auto stopped = network_.SetRunStatus(*id, status);
    if (!stopped) return Propagate(stopped);
    run.status = status;
    (*state)->status.store(status);
    return {};
  }();
  if (!locked) return Propagate(locked);

  RunStop out{.run_id = run_id, .status = std::string(network::RunStatusKey(status)),
              .holders = {}};
  auto numbers = store_.Transact<std::vector<std::string>>(
      [&](store::Transaction& tx) -> Result<std::vector<std::string>> {
        auto rows = tx.Query(
            "SELECT ticket_number FROM tickets WHERE run_id = $1 AND status = 'issued' AND "
            "after_sale IS NULL ORDER BY ticket_number",
            {store::Value{run_id}});
        if (!rows) return Propagate(rows);
        std::vector<std::string> list;
        for (const auto& r : *rows) list.push_back(r.Text(0));
        auto event = store::AppendEvent(
            tx, store::OutboxEvent{.kind = "run_stopped",
                                   .subject = run_id,
                                   .at = clock_.Now(),
                                   .fields = {{"run_id", run_id},
                                              {"status", out.status},
                                              {"holders", std::to_string(list.size())},
                                              {"by", staff.staff_username}}});
        if (!event) return Propagate(event);
        return list;
      });
  if (!numbers) return Propagate(numbers);
  for (const auto& number : *numbers) {
    auto ticket = GetTicket(number);
    if (!ticket) return Propagate(ticket);
    out.holders.push_back(std::move(*ticket));
  }
  return out;
}

}  // namespace keyun::sales
