#include "eticket/revocations.h"

#include <fmt/format.h>

#include <string>

namespace keyun::eticket {

using store::Value;

std::string_view RevocationReasonName(RevocationReason reason) {
  switch (reason) {
    case RevocationReason::kRefunded:
      return "refunded";
    case RevocationReason::kChanged:
      return "changed";
  }
  return "unknown";
}

Result<RevocationReason> ParseRevocationReason(std::string_view name) {
  if (name == "refunded") return RevocationReason::kRefunded;
  if (name == "changed") return RevocationReason::kChanged;
  return InvalidArgument(
      fmt::format("revocation reason \"{}\" is not one of refunded, changed", name), "reason");
}

Result<std::int64_t> RevokeTicket(store::Transaction& tx, const core::TicketNumber& ticket,
                                  RevocationReason reason, core::Instant at) {
  auto existing = tx.Query("SELECT sequence FROM revocations WHERE ticket_number = $1",
                           {Value{ticket.str()}});
  if (!existing) return Propagate(existing);
  if (!existing->empty()) return existing->front().Int(0);
  auto sequence = store::NextSequence(tx, "revocation");
  if (!sequence) return Propagate(sequence);
  auto inserted = tx.Execute(
      "INSERT INTO revocations (sequence, ticket_number, reason, at) VALUES ($1, $2, $3, $4)",
      {Value{*sequence}, Value{ticket.str()}, Value{std::string(RevocationReasonName(reason))},
       Value{at.unix_micros()}});
  if (!inserted) return Propagate(inserted);
  return *sequence;
}

Result<std::vector<Revocation>> ReadRevocations(store::Transaction& tx, std::int64_t since,
                                                int limit) {
  auto rows = tx.Query(
      "SELECT sequence, ticket_number, reason FROM revocations WHERE sequence > $1 "
      "ORDER BY sequence LIMIT $2",
      {Value{since}, Value{static_cast<std::int64_t>(limit)}});
  if (!rows) return Propagate(rows);
  std::vector<Revocation> out;
  for (const auto& r : *rows) {
    auto number = core::TicketNumber::Parse(r.Text(1));
    auto reason = ParseRevocationReason(r.Text(2));
    if (!number || !reason) return Internal("revocation " + r.Text(0) + " is corrupt");
    out.push_back({.sequence = r.Int(0), .ticket_number = *number, .reason = *reason});
  }
  return out;
}

}  // namespace keyun::eticket
