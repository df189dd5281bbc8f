#include "store/outbox.h"

#include <fmt/format.h>

#include <charconv>

namespace keyun::store {
namespace {

void AppendJsonString(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out += c;  // UTF-8 passes through
        }
    }
  }
  out += '"';
}

// Reads a JSON string starting at body[i] == '"'; leaves i after its closing quote.
Result<std::string> ReadJsonString(std::string_view body, std::size_t& i) {
  if (i >= body.size() || body[i] != '"') return Internal("outbox body: a string expected");
  std::string out;
  for (++i; i < body.size(); ++i) {
    char c = body[i];
    if (c == '"') {
      ++i;
      return out;
    }
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i >= body.size()) break;
    switch (body[i]) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        if (i + 4 >= body.size()) return Internal("outbox body: a short \\u escape");
        unsigned code = 0;
        auto [end, ec] = std::from_chars(body.data() + i + 1, body.data() + i + 5, code, 16);
        if (ec != std::errc() || end != body.data() + i + 5 || code >= 0x20) {
          return Internal("outbox body: a \\u escape it never writes");
        }
        out += static_cast<char>(code);
        i += 4;
        break;
      }
      default: return Internal("outbox body: an escape it never writes");
    }
  }
  return Internal("outbox body: an unterminated string");
}

}  // namespace

std::string OutboxBodyJson(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out = "{";
  for (const auto& [name, value] : fields) {
    if (out.size() > 1) out += ',';
    AppendJsonString(out, name);
    out += ':';
    AppendJsonString(out, value);
  }
  out += '}';
  return out;
}

Result<std::vector<std::pair<std::string, std::string>>> ParseOutboxBody(std::string_view body) {
  std::vector<std::pair<std::string, std::string>> fields;
  if (body.size() < 2 || body.front() != '{' || body.back() != '}') {
    return Internal("outbox body is not a JSON object");
  }
  std::size_t i = 1;
  while (i < body.size() - 1) {
    if (!fields.empty()) {
      if (body[i] != ',') return Internal("outbox body: ',' expected");
      ++i;
    }
    auto name = ReadJsonString(body, i);
    if (!name) return Propagate(name);
    if (i >= body.size() || body[i] != ':') return Internal("outbox body: ':' expected");
    ++i;
    auto value = ReadJsonString(body, i);
    if (!value) return Propagate(value);
    fields.emplace_back(std::move(*name), std::move(*value));
  }
  return fields;
}

Result<void> AppendEvent(Transaction& tx, const OutboxEvent& event) {
  if (event.kind.empty() || event.kind.size() > 40) {
    return InvalidArgument("an outbox event's kind must be 1 to 40 characters", "kind");
  }
  if (event.subject.empty()) return InvalidArgument("an outbox event needs a subject", "subject");
  // id and writer come from the engine (rowid; identity and transaction id on PostgreSQL).
  auto inserted = tx.Execute(
      "INSERT INTO outbox_pending (kind, subject, at, body) VALUES ($1, $2, $3, $4)",
      {Value{event.kind}, Value{event.subject}, Value{event.at.unix_micros()},
       Value{OutboxBodyJson(event.fields)}});
  if (!inserted) return Propagate(inserted);
  return {};
}

Result<int> SequenceEvents(Store& store, int limit) {
  if (limit < 1 || limit > 100000) return InvalidArgument("limit must be 1 to 100000", "limit");
  // On PostgreSQL, transactions commit in any order: take only writers older than the oldest
  // transaction still running (the snapshot's xmin). A newer event may be visible already, but
  // an older, still open transaction could commit an event that would have to precede it.
  // SQLite has one writer at a time, and this transaction is it: everything seen is final.
  const char* select =
      store.engine() == Engine::kPostgres
          ? "SELECT id, kind, subject, at, body FROM outbox_pending WHERE writer < "
            "CAST(CAST(pg_snapshot_xmin(pg_current_snapshot()) AS TEXT) AS BIGINT) "
            "ORDER BY writer, id LIMIT $1"
          : "SELECT id, kind, subject, at, body FROM outbox_pending ORDER BY writer, id LIMIT $1";
  return store.Transact<int>([&](Transaction& tx) -> Result<int> {
    auto rows = tx.Query(select, {Value{static_cast<std::int64_t>(limit)}});
    if (!rows) return Propagate(rows);
    if (rows->empty()) return 0;
    const auto count = static_cast<std::int64_t>(rows->size());
    // One update of the counter for the whole batch.
    auto last = tx.QueryOne(
        "INSERT INTO sequences (name, value) VALUES ('outbox', $1) "
        "ON CONFLICT (name) DO UPDATE SET value = sequences.value + $1 RETURNING value",
        {Value{count}});
    if (!last) return Propagate(last);
    std::int64_t sequence = last->Int(0) - count;
    for (const Row& row : *rows) {
      auto moved = tx.Execute(
          "INSERT INTO outbox (sequence, kind, subject, at, body) VALUES ($1, $2, $3, $4, $5)",
          {Value{++sequence}, row.at(1), row.at(2), row.at(3), row.at(4)});
      if (!moved) return Propagate(moved);
      auto taken = tx.Execute("DELETE FROM outbox_pending WHERE id = $1", {row.at(0)});
      if (!taken) return Propagate(taken);
      if (*taken != 1) return Aborted("another sequencer numbered the same event; retry");
    }
    return static_cast<int>(count);
  });
}

Result<std::vector<OutboxEvent>> ReadEvents(Transaction& tx, std::int64_t after, int limit) {
  if (after < 0) return InvalidArgument("after must be 0 or a sequence number", "after");
  if (limit < 1 || limit > 100000) return InvalidArgument("limit must be 1 to 100000", "limit");
  auto rows = tx.Query(
      "SELECT sequence, kind, subject, at, body FROM outbox WHERE sequence > $1 ORDER BY "
      "sequence LIMIT $2",
      {Value{after}, Value{static_cast<std::int64_t>(limit)}});
  if (!rows) return Propagate(rows);
  std::vector<OutboxEvent> events;
  events.reserve(rows->size());
  for (const auto& row : *rows) {
    auto fields = ParseOutboxBody(row.Text(4));
    if (!fields) return Propagate(fields);
    events.push_back(OutboxEvent{.sequence = row.Int(0), .kind = row.Text(1),
                                 .subject = row.Text(2),
                                 .at = core::Instant::FromUnixMicros(row.Int(3)),
                                 .fields = std::move(*fields)});
  }
  return events;
}

}  // namespace keyun::store
