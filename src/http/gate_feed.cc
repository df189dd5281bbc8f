#include "http/gate_feed_json.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "core/hex.h"

namespace keyun::http {
namespace {

using nlohmann::json;

Error Bad(const std::string& at, std::string_view what) {
  return Error{ErrorCode::kInvalidArgument, at + ": " + std::string(what), at};
}

Result<std::string> Text(const json& j, const char* name, const std::string& at) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_string()) return tl::unexpected(Bad(at + "." + name, "a string is required"));
  return it->get<std::string>();
}

Result<std::int64_t> Number(const json& j, const char* name, const std::string& at) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_number_integer()) {
    return tl::unexpected(Bad(at + "." + name, "a whole number is required"));
  }
  return it->get<std::int64_t>();
}

template <class T>
Result<T> Parsed(Result<T> value, const std::string& at) {
  if (!value) return tl::unexpected(Bad(at, value.error().message));
  return value;
}

json ToJson(const checkin::ManifestTicket& t) {
  json children = json::array();
  for (const auto& c : t.free_children) children.push_back(c.str());
  return {{"ticket_number", t.ticket_number.str()},
          {"run_id", t.run_id.str()},
          {"boarding_stop", t.boarding_stop},
          {"boarding_station", t.boarding_station.str()},
          {"seat", t.seat},
          {"fare_type", std::string(eticket::FareTypeName(t.fare_type))},
          {"passenger_name", t.passenger_name_masked},
          {"id_hash", t.id_hash ? json(eticket::IdHashHex(*t.id_hash)) : json(nullptr)},
          {"departs_at", t.departs_at.ToIso8601()},
          {"status", std::string(checkin::TicketStatusName(t.status))},
          {"free_children", children}};
}

Result<checkin::ManifestTicket> TicketFromJson(const json& j, const std::string& at) {
  if (!j.is_object()) return tl::unexpected(Bad(at, "an object is required"));
  auto number = Text(j, "ticket_number", at);
  auto run = Text(j, "run_id", at);
  auto station = Text(j, "boarding_station", at);
  auto fare = Text(j, "fare_type", at);
  auto name = Text(j, "passenger_name", at);
  auto departs = Text(j, "departs_at", at);
  auto status = Text(j, "status", at);
  auto stop = Number(j, "boarding_stop", at);
  auto seat = Number(j, "seat", at);
  for (auto* r : {&number, &run, &station, &fare, &name, &departs, &status}) {
    if (!*r) return Propagate(*r);
  }
  if (!stop) return Propagate(stop);
  if (!seat) return Propagate(seat);
  auto ticket = Parsed(core::TicketNumber::Parse(*number), at + ".ticket_number");
  auto run_id = Parsed(core::RunId::Parse(*run), at + ".run_id");
  auto boarding = Parsed(core::StationCode::Parse(*station), at + ".boarding_station");
  auto fare_type = Parsed(eticket::ParseFareType(*fare), at + ".fare_type");
  auto departs_at = Parsed(core::Instant::ParseIso8601(*departs), at + ".departs_at");
  if (!ticket) return Propagate(ticket);
  if (!run_id) return Propagate(run_id);
  if (!boarding) return Propagate(boarding);
  if (!fare_type) return Propagate(fare_type);
  if (!departs_at) return Propagate(departs_at);
  auto ticket_status = Parsed(checkin::ParseTicketStatus(*status), at + ".status");
  if (!ticket_status) return Propagate(ticket_status);
  std::optional<eticket::IdHash> id_hash;
  if (auto hash = j.find("id_hash"); hash != j.end() && !hash->is_null()) {
    if (!hash->is_string()) return tl::unexpected(Bad(at + ".id_hash", "must be hex text"));
    auto parsed = Parsed(eticket::ParseIdHashHex(hash->get<std::string>()), at + ".id_hash");
    if (!parsed) return Propagate(parsed);
    id_hash = *parsed;
  }
  std::vector<core::TicketNumber> children;
  if (auto list = j.find("free_children"); list != j.end() && list->is_array()) {
    for (const json& c : *list) {
      if (!c.is_string()) return tl::unexpected(Bad(at + ".free_children", "ticket numbers"));
      auto child = Parsed(core::TicketNumber::Parse(c.get<std::string>()), at + ".free_children");
      if (!child) return Propagate(child);
      children.push_back(*child);
    }
  }
  return checkin::ManifestTicket{.ticket_number = *ticket,
                                 .run_id = *run_id,
                                 .boarding_stop = static_cast<int>(*stop),
                                 .boarding_station = *boarding,
                                 .seat = static_cast<int>(*seat),
                                 .fare_type = *fare_type,
                                 .passenger_name_masked = *name,
                                 .id_hash = id_hash,
                                 .departs_at = *departs_at,
                                 .status = *ticket_status,
                                 .free_children = std::move(children)};
}

}  // namespace

json ToJson(const checkin::CheckinRecord& r) {
  return {{"ticket_number", r.ticket_number.str()},
          {"run_id", r.run_id.str()},
          {"gate", r.gate_id},
          {"operator", r.operator_id},
          {"method", std::string(checkin::CheckinMethodName(r.method))},
          {"at", r.at.ToIso8601()}};
}

Result<checkin::CheckinRecord> CheckinRecordFromJson(const json& j, const std::string& at) {
  if (!j.is_object()) return tl::unexpected(Bad(at, "an object is required"));
  auto number = Text(j, "ticket_number", at);
  auto run = Text(j, "run_id", at);
  auto gate = Text(j, "gate", at);
  auto op = Text(j, "operator", at);
  auto method = Text(j, "method", at);
  auto when = Text(j, "at", at);
  for (auto* r : {&number, &run, &gate, &op, &method, &when}) {
    if (!*r) return Propagate(*r);
  }
  auto ticket = Parsed(core::TicketNumber::Parse(*number), at + ".ticket_number");
  auto run_id = Parsed(core::RunId::Parse(*run), at + ".run_id");
  auto how = Parsed(checkin::ParseCheckinMethod(*method), at + ".method");
  auto instant = Parsed(core::Instant::ParseIso8601(*when), at + ".at");
  if (!ticket) return Propagate(ticket);
  if (!run_id) return Propagate(run_id);
  if (!how) return Propagate(how);
  if (!instant) return Propagate(instant);
  return checkin::CheckinRecord{.ticket_number = *ticket,
                                .run_id = *run_id,
                                .gate_id = *gate,
                                .operator_id = *op,
                                .method = *how,
                                .at = *instant};
}

json ToJson(const checkin::Revocation& r) {
  return {{"sequence", r.sequence},
          {"ticket_number", r.ticket_number.str()},
          {"reason", std::string(checkin::RevocationReasonName(r.reason))}};
}

json ToJson(const GateFeed& feed) {
  json keys = json::array(), tickets = json::array(), revocations = json::array(),
       checkins = json::array();
  for (const auto& [id, key] : feed.keys) keys.push_back({{"key_id", id}, {"public_key", key}});
  for (const auto& t : feed.tickets) tickets.push_back(ToJson(t));
  for (const auto& r : feed.revocations) revocations.push_back(ToJson(r));
  for (const auto& c : feed.checkins) checkins.push_back(ToJson(c));
  json out = {{"station", feed.station},
              {"generated_at", feed.generated_at},
              {"checkin_window",
               {{"opens_before_minutes", feed.window.opens_before.count()},
                {"closes_before_minutes", feed.window.closes_before.count()}}},
              {"keys", keys},
              {"tickets", tickets},
              {"revocations", revocations},
              {"checkins", checkins}};
  if (feed.id_hash_key_known) out["id_hash_key"] = core::ToHex(feed.id_hash_key);
  return out;
}

Result<GateFeed> GateFeedFromJson(const json& j) {
  if (!j.is_object()) return tl::unexpected(Bad("feed", "an object is required"));
  GateFeed feed;
  auto station = Text(j, "station", "feed");
  if (!station) return Propagate(station);
  feed.station = *station;
  feed.generated_at = j.value("generated_at", "");
  feed.id_hash_key_known = j.contains("id_hash_key");
  if (feed.id_hash_key_known) {
    auto key_hex = Text(j, "id_hash_key", "feed");
    if (!key_hex) return Propagate(key_hex);
    auto key = core::FromHex(*key_hex);
    if (!key || key->size() != 32) {
      return tl::unexpected(Bad("feed.id_hash_key", "32 bytes of hex"));
    }
    std::copy(key->begin(), key->end(), feed.id_hash_key.begin());
  }
  // A feed saved by an older gate has no window: the default's.
  if (j.contains("checkin_window")) {
    const json& w = j.at("checkin_window");
    if (!w.is_object() || !w.contains("opens_before_minutes") ||
        !w.at("opens_before_minutes").is_number_integer() ||
        !w.contains("closes_before_minutes") ||
        !w.at("closes_before_minutes").is_number_integer()) {
      return tl::unexpected(Bad("feed.checkin_window",
                                "{opens_before_minutes, closes_before_minutes} in whole minutes"));
    }
    feed.window = {.opens_before = std::chrono::minutes(w.at("opens_before_minutes").get<int>()),
                   .closes_before = std::chrono::minutes(w.at("closes_before_minutes").get<int>())};
    if (auto valid = feed.window.Validate(); !valid) {
      return tl::unexpected(Bad("feed.checkin_window", valid.error().message));
    }
  }
  for (const char* list : {"keys", "tickets", "revocations", "checkins"}) {
    if (!j.contains(list) || !j.at(list).is_array()) {
      return tl::unexpected(Bad(std::string("feed.") + list, "an array is required"));
    }
  }
  for (std::size_t i = 0; i < j.at("keys").size(); ++i) {
    std::string at = "feed.keys[" + std::to_string(i) + "]";
    auto id = Text(j.at("keys")[i], "key_id", at);
    auto pub = Text(j.at("keys")[i], "public_key", at);
    if (!id) return Propagate(id);
    if (!pub) return Propagate(pub);
    feed.keys.emplace_back(*id, *pub);
  }
  for (std::size_t i = 0; i < j.at("tickets").size(); ++i) {
    auto t = TicketFromJson(j.at("tickets")[i], "feed.tickets[" + std::to_string(i) + "]");
    if (!t) return Propagate(t);
    feed.tickets.push_back(std::move(*t));
  }
  for (std::size_t i = 0; i < j.at("revocations").size(); ++i) {
    std::string at = "feed.revocations[" + std::to_string(i) + "]";
    const json& r = j.at("revocations")[i];
    auto seq = Number(r, "sequence", at);
    auto number = Text(r, "ticket_number", at);
    auto reason = Text(r, "reason", at);
    if (!seq) return Propagate(seq);
    if (!number) return Propagate(number);
    if (!reason) return Propagate(reason);
    auto ticket = Parsed(core::TicketNumber::Parse(*number), at + ".ticket_number");
    if (!ticket) return Propagate(ticket);
    auto why = Parsed(checkin::ParseRevocationReason(*reason), at + ".reason");
    if (!why) return Propagate(why);
    feed.revocations.push_back({.sequence = *seq, .ticket_number = *ticket, .reason = *why});
  }
  for (std::size_t i = 0; i < j.at("checkins").size(); ++i) {
    auto c = CheckinRecordFromJson(j.at("checkins")[i], "feed.checkins[" + std::to_string(i) + "]");
    if (!c) return Propagate(c);
    feed.checkins.push_back(std::move(*c));
  }
  return feed;
}

json ToJson(const JournalPushResult& result) {
  json conflicts = json::array();
  for (const auto& c : result.conflicts) {
    conflicts.push_back({{"ticket_number", c.first.ticket_number.str()},
                         {"first", ToJson(c.first)},
                         {"this", ToJson(c.again)}});
  }
  return {{"applied", result.applied}, {"duplicates", result.duplicates}, {"conflicts", conflicts}};
}

Result<JournalPushResult> JournalPushResultFromJson(const json& j) {
  JournalPushResult result;
  auto applied = Number(j, "applied", "result");
  auto duplicates = Number(j, "duplicates", "result");
  if (!applied) return Propagate(applied);
  if (!duplicates) return Propagate(duplicates);
  result.applied = static_cast<int>(*applied);
  result.duplicates = static_cast<int>(*duplicates);
  if (j.contains("conflicts") && j.at("conflicts").is_array()) {
    for (std::size_t i = 0; i < j.at("conflicts").size(); ++i) {
      std::string at = "result.conflicts[" + std::to_string(i) + "]";
      const json& c = j.at("conflicts")[i];
      if (!c.is_object() || !c.contains("first") || !c.contains("this")) {
        return tl::unexpected(Bad(at, "first and this are required"));
      }
      auto first = CheckinRecordFromJson(c.at("first"), at + ".first");
      auto again = CheckinRecordFromJson(c.at("this"), at + ".this");
      if (!first) return Propagate(first);
      if (!again) return Propagate(again);
      result.conflicts.push_back({*first, *again});
    }
  }
  return result;
}

Result<void> SaveGateFeed(const GateFeed& feed, const std::string& path) {
  GateFeed kept = feed;
  kept.id_hash_key = {};
  kept.id_hash_key_known = false;
  std::string text = ToJson(kept).dump();
  std::string temporary = path + ".tmp";
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  bool ok = fd >= 0;
  for (std::size_t done = 0; ok && done < text.size();) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  if (fd >= 0) ::close(fd);
  if (!ok || ::rename(temporary.c_str(), path.c_str()) != 0) {
    return Unavailable("cannot save the gate feed to " + path + ": " + std::strerror(errno));
  }
  return {};
}

Result<std::optional<GateFeed>> LoadGateFeed(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::optional<GateFeed>();
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  json parsed = json::parse(text, nullptr, false);
  if (parsed.is_discarded()) {
    return Internal("the saved gate feed " + path + " is not JSON; delete it and sync");
  }
  auto feed = GateFeedFromJson(parsed);
  if (!feed) {
    return Internal("the saved gate feed " + path + " is damaged (" + feed.error().message +
                    "); delete it and sync");
  }
  return std::optional<GateFeed>(std::move(*feed));
}

}  // namespace keyun::http
