#include "sales/internal/order_holds.h"

namespace keyun::sales::internal {

using store::Value;

Result<std::optional<std::vector<std::pair<std::string, std::string>>>> EndHold(
    store::Transaction& tx, const std::string& order_id, std::string_view status,
    std::optional<core::Instant> expired_by) {
  auto updated =
      expired_by
          ? tx.Execute(
                "UPDATE orders SET status = $1 WHERE order_id = $2 AND status = 'held' "
                "AND expires_at <= $3",
                {Value{std::string(status)}, Value{order_id}, Value{expired_by->unix_micros()}})
          : tx.Execute("UPDATE orders SET status = $1 WHERE order_id = $2 AND status = 'held'",
                       {Value{std::string(status)}, Value{order_id}});
  if (!updated) return Propagate(updated);
  if (*updated == 0) return std::nullopt;
  auto tickets =
      tx.Query("SELECT ticket_id, id_hash FROM tickets WHERE order_id = $1", {Value{order_id}});
  if (!tickets) return Propagate(tickets);
  std::vector<std::pair<std::string, std::string>> released;
  for (const store::Row& t : *tickets) {
    auto freed = tx.Execute("DELETE FROM seat_segments WHERE ticket_id = $1", {Value{t.Text(0)}});
    if (!freed) return Propagate(freed);
    released.emplace_back(t.Text(0), t.Text(1));
  }
  auto done = tx.Execute("UPDATE tickets SET status = 'released', active = 0 WHERE order_id = $1",
                         {Value{order_id}});
  if (!done) return Propagate(done);
  auto change = tx.Execute(
      "UPDATE change_holds SET status = $1 WHERE order_id = $2 AND status = 'awaiting_payment'",
      {Value{std::string(status)}, Value{order_id}});
  if (!change) return Propagate(change);
  return released;
}

}  // namespace keyun::sales::internal
