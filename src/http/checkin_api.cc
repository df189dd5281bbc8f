#include "http/checkin_api.h"

#include "http/gate_feed_json.h"

#include <nlohmann/json.hpp>

#include "http/json_body.h"

namespace keyun::http {
namespace {

using nlohmann::json;

// Who is acting, and at which station: gate operators and station managers of one station.
struct GateStaff {
  std::string username;
  core::StationCode station;
  bool manager = false;
};

Result<GateStaff> Authorize(const Request& request, Sessions& sessions, bool manager_only) {
  auto who = sessions.Authenticate(request);
  if (!who) return Propagate(who);
  bool manager = who->role == "station_manager";
  if (manager_only && !manager) {
    return PermissionDenied("only a station manager may do this; your role is " + who->role);
  }
  if (!manager && who->role != "gate_operator") {
    return PermissionDenied("check-in and departures are for gate operators and station "
                            "managers; your role is " +
                            who->role);
  }
  auto station = core::StationCode::Parse(who->station_code);
  if (!station) return PermissionDenied("your account has no station; ask an administrator");
  return GateStaff{.username = who->username, .station = *station, .manager = manager};
}

Response DecisionResponse(const checkin::GateDecision& d) {
  if (d.accepted()) {
    const checkin::Admission& a = d.admission();
    json children = json::array();
    for (const auto& c : a.free_children) {
      children.push_back(
          {{"ticket_number", c.ticket_number.str()}, {"passenger_name", c.passenger_name_masked}});
    }
    return Json({{"accepted", true},
                 {"ticket_number", a.ticket_number.str()},
                 {"run_id", a.run_id.str()},
                 {"seat", a.seat == 0 ? json(nullptr) : json(a.seat)},
                 {"fare_type", std::string(eticket::FareTypeName(a.fare_type))},
                 {"passenger_name", a.passenger_name_masked},
                 {"departs_at", a.departs_at.ToIso8601()},
                 {"free_children", children},
                 {"checkin", ToJson(a.record)}});
  }
  const checkin::Refusal& r = d.refusal();
  json refusal = {{"reason", std::string(checkin::RefusalKey(r.reason))},
                  {"message_zh", r.message_zh},
                  {"message_en", r.message_en},
                  {"ticket_number", r.ticket_number ? json(r.ticket_number->str()) : json(nullptr)},
                  {"earlier_checkin",
                   r.earlier_checkin ? ToJson(*r.earlier_checkin) : json(nullptr)}};
  // A refusal is the gate's decision, and also a 409 in the error shape of DESIGN.md §10.
  return Json({{"accepted", false},
               {"refusal", refusal},
               {"error",
                {{"code", std::string(ErrorCodeName(ErrorCode::kFailedPrecondition))},
                 {"message", RequestLanguage() == Language::kEn ? r.message_en : r.message_zh},
                 {"message_en", r.message_en},
                 {"field", nullptr}}}},
              409);
}

json EntryJson(const checkin::ManifestEntry& e) {
  return {{"ticket_number", e.ticket_number},
          {"seat", e.seat == 0 ? json(nullptr) : json(e.seat)},
          {"fare_type", e.fare_type},
          {"passenger_name", e.passenger_name},
          {"attached_to", e.attached_to.empty() ? json(nullptr) : json(e.attached_to)},
          {"checkin", e.checkin ? ToJson(*e.checkin) : json(nullptr)}};
}

json OperationsJson(const checkin::RunOperations& o) {
  json crew = nullptr;
  if (o.crew) {
    crew = {{"vehicle_plate", o.crew->vehicle_plate},
            {"driver_name", o.crew->driver_name},
            {"driver_licence", o.crew->driver_licence},
            {"documents_ok", o.crew->documents_ok},
            {"at", o.crew_checked_in_at ? json(o.crew_checked_in_at->ToIso8601()) : json(nullptr)}};
  }
  json safety = nullptr;
  if (o.safety) {
    safety = {{"passed", o.safety->passed},
              {"inspector", o.safety->inspector},
              {"at", o.safety_checked_at ? json(o.safety_checked_at->ToIso8601()) : json(nullptr)}};
  }
  return {{"run_id", o.run_id},
          {"station", o.station.str()},
          {"crew", crew},
          {"safety_check", safety},
          {"licensed_seats", o.licensed_seats},
          {"boarded", o.boarded},
          {"no_shows", o.no_shows},
          {"departed_at", o.departed_at ? json(o.departed_at->ToIso8601()) : json(nullptr)},
          {"early_reason", o.early_reason ? json(*o.early_reason) : json(nullptr)}};
}

Result<checkin::FaceVerification> ParseFace(const json& face) {
  if (!face.is_object()) return InvalidArgument("face must be an object", "face");
  for (const auto& [key, value] : face.items()) {
    if (key != "device_id" && key != "id_type" && key != "id_number" && key != "score" &&
        key != "liveness" && key != "nonce" && key != "timestamp" && key != "signature") {
      return InvalidArgument("unknown field '" + key +
                                 "' in face; the fields are: device_id, id_type, id_number, "
                                 "score, liveness, nonce, timestamp, signature",
                             "face." + key);
    }
  }
  checkin::FaceVerification out;
  for (auto [name, target] :
       {std::pair{"device_id", &out.device_id}, std::pair{"id_number", &out.id_number},
        std::pair{"nonce", &out.nonce}, std::pair{"signature", &out.signature}}) {
    auto value = StringField(face, name, true);
    if (!value) return InvalidArgument(value.error().message, std::string("face.") + name);
    *target = **value;
  }
  auto id_type = StringField(face, "id_type", false);
  if (!id_type) return InvalidArgument(id_type.error().message, "face.id_type");
  if (*id_type) out.id_type = **id_type;
  auto score = face.find("score");
  if (score == face.end() || !score->is_number() || score->get<double>() < 0 ||
      score->get<double>() > 1) {
    return InvalidArgument("face.score must be the similarity, a number from 0 to 1",
                           "face.score");
  }
  out.score = score->get<double>();
  auto liveness = BoolField(face, "liveness", true);
  if (!liveness) return InvalidArgument(liveness.error().message, "face.liveness");
  out.liveness = **liveness;
  auto timestamp = StringField(face, "timestamp", true);
  if (!timestamp) return InvalidArgument(timestamp.error().message, "face.timestamp");
  auto at = core::Instant::ParseIso8601(**timestamp);
  if (!at) return InvalidArgument(at.error().message, "face.timestamp");
  out.timestamp = *at;
  return out;
}

Result<checkin::CheckinRequest> ParseCheckin(const Request& request, const GateStaff& staff) {
  auto body = ParseJsonObject(request.body,
                              {"gate", "method", "voucher", "id_type", "id_number", "face"});
  if (!body) return Propagate(body);
  checkin::CheckinRequest out{.station = staff.station, .gate = "", .operator_id = staff.username};
  auto gate = StringField(*body, "gate", true);
  if (!gate) return Propagate(gate);
  out.gate = **gate;
  auto method_text = StringField(*body, "method", true);
  if (!method_text) return Propagate(method_text);
  std::string method_name = **method_text == "qr" ? "qr_code" : **method_text;
  auto method = checkin::ParseCheckinMethod(method_name);
  if (!method) return InvalidArgument(method.error().message, "method");
  out.method = *method;
  auto voucher = StringField(*body, "voucher", out.method == checkin::CheckinMethod::kQrCode);
  if (!voucher) return Propagate(voucher);
  if (*voucher) out.voucher_text = **voucher;
  auto id_type = StringField(*body, "id_type", false);
  if (!id_type) return Propagate(id_type);
  if (*id_type) out.id_type = **id_type;
  auto id_number = StringField(*body, "id_number", out.method == checkin::CheckinMethod::kIdCard);
  if (!id_number) return Propagate(id_number);
  if (*id_number) out.id_number = **id_number;
  if (out.method == checkin::CheckinMethod::kFace) {
    auto face = body->find("face");
    if (face == body->end()) {
      return InvalidArgument("a face check-in needs the terminal's signed message", "face");
    }
    auto parsed = ParseFace(*face);
    if (!parsed) return Propagate(parsed);
    out.face = std::move(*parsed);
  }
  return out;
}

}  // namespace

void AddCheckinApi(Router& router, checkin::CheckinService& checkins, Sessions& sessions) {
  router.Add(Method::kPost, "/api/v1/checkins", [&checkins, &sessions](Request& request) {
    auto staff = Authorize(request, sessions, false);
    if (!staff) return ErrorResponse(staff.error());
    auto parsed = ParseCheckin(request, *staff);
    if (!parsed) return ErrorResponse(parsed.error());
    auto decision = checkins.CheckIn(*parsed);
    if (!decision) return ErrorResponse(decision.error());
    return DecisionResponse(*decision);
  });

  // The station's staff see their station's manifest; a carrier's dispatcher sees its runs'
  // manifests at any station (?station=, default the run's origin).
  router.Add(Method::kGet, "/api/v1/runs/{run_id}/manifest",
             [&checkins, &sessions](Request& request) {
               auto who = sessions.Authenticate(request);
               if (!who) return ErrorResponse(who.error());
               Result<checkin::RunManifest> m = tl::unexpected(Error{});
               if (who->role == "carrier_dispatcher") {
                 auto run = core::RunId::Parse(request.PathParam("run_id"));
                 if (!run) return ErrorResponse(WithField(run.error(), "run_id"));
                 auto station = core::StationCode::Parse(
                     request.QueryParam("station").value_or(run->station().str()));
                 if (!station) return ErrorResponse(WithField(station.error(), "station"));
                 m = checkins.Manifest(run->str(), *station);
                 if (m && m->carrier != who->carrier_code) {
                   return ErrorResponse(PermissionDenied("run " + run->str() +
                                                         " is another carrier's")
                                            .value());
                 }
               } else {
                 auto staff = Authorize(request, sessions, false);
                 if (!staff) return ErrorResponse(staff.error());
                 m = checkins.Manifest(request.PathParam("run_id"), staff->station);
               }
               if (!m) return ErrorResponse(m.error());
               json lists = json::object();
               for (auto [name, list] : {std::pair{"booked", &m->booked},
                                         std::pair{"checked_in", &m->checked_in},
                                         std::pair{"no_show", &m->no_show}}) {
                 json items = json::array();
                 for (const auto& e : *list) items.push_back(EntryJson(e));
                 lists[name] = items;
               }
               return Json({{"run_id", m->run_id},
                            {"carrier", m->carrier},
                            {"station", m->station.str()},
                            {"departs_at", m->departs_at.ToIso8601()},
                            {"departed_at", m->departed_at ? json(m->departed_at->ToIso8601())
                                                           : json(nullptr)},
                            {"frozen", m->departed_at.has_value()},
                            {"booked", lists["booked"]},
                            {"checked_in", lists["checked_in"]},
                            {"no_show", lists["no_show"]}});
             });

  router.Add(Method::kPost, "/api/v1/runs/{run_id}/crew", [&checkins, &sessions](Request& request) {
    auto staff = Authorize(request, sessions, false);
    if (!staff) return ErrorResponse(staff.error());
    auto body = ParseJsonObject(request.body,
                                {"vehicle_plate", "driver_name", "driver_licence", "documents_ok"});
    if (!body) return ErrorResponse(body.error());
    checkin::CrewCheckin crew;
    for (auto [name, target] : {std::pair{"vehicle_plate", &crew.vehicle_plate},
                                std::pair{"driver_name", &crew.driver_name},
                                std::pair{"driver_licence", &crew.driver_licence}}) {
      auto value = StringField(*body, name, true);
      if (!value) return ErrorResponse(value.error());
      *target = **value;
    }
    auto ok = BoolField(*body, "documents_ok", true);
    if (!ok) return ErrorResponse(ok.error());
    crew.documents_ok = **ok;
    auto ops = checkins.CrewCheckIn(request.PathParam("run_id"), staff->station, crew,
                                    staff->username);
    if (!ops) return ErrorResponse(ops.error());
    return Json(OperationsJson(*ops));
  });

  router.Add(Method::kGet, "/api/v1/runs/{run_id}/operations",
             [&checkins, &sessions](Request& request) {
               auto staff = Authorize(request, sessions, false);
               if (!staff) return ErrorResponse(staff.error());
               auto ops = checkins.Operations(request.PathParam("run_id"), staff->station);
               if (!ops) return ErrorResponse(ops.error());
               return Json(OperationsJson(*ops));
             });

  router.Add(Method::kPost, "/api/v1/runs/{run_id}/safety-check",
             [&checkins, &sessions](Request& request) {
               auto staff = Authorize(request, sessions, false);
               if (!staff) return ErrorResponse(staff.error());
               auto body = ParseJsonObject(request.body, {"passed", "inspector"});
               if (!body) return ErrorResponse(body.error());
               auto passed = BoolField(*body, "passed", true);
               if (!passed) return ErrorResponse(passed.error());
               auto inspector = StringField(*body, "inspector", false);
               if (!inspector) return ErrorResponse(inspector.error());
               auto ops = checkins.RecordSafetyCheck(
                   request.PathParam("run_id"), staff->station,
                   {.passed = **passed, .inspector = inspector->value_or(staff->username)});
               if (!ops) return ErrorResponse(ops.error());
               return Json(OperationsJson(*ops));
             });

  router.Add(Method::kPost, "/api/v1/runs/{run_id}/depart",
             [&checkins, &sessions](Request& request) {
               auto staff = Authorize(request, sessions, false);
               if (!staff) return ErrorResponse(staff.error());
               // An empty body departs on time; before the scheduled time the page sends the
               // operator's confirmation and reason.
               auto body = ParseJsonObject(request.body.empty() ? "{}" : request.body,
                                           {"confirm_early", "early_reason"});
               if (!body) return ErrorResponse(body.error());
               auto confirm = BoolField(*body, "confirm_early", false);
               if (!confirm) return ErrorResponse(confirm.error());
               auto reason = StringField(*body, "early_reason", false);
               if (!reason) return ErrorResponse(reason.error());
               auto ops = checkins.Depart(request.PathParam("run_id"), staff->station,
                                          {.operator_id = staff->username,
                                           .confirm_early = confirm->value_or(false),
                                           .early_reason = reason->value_or("")});
               if (!ops) return ErrorResponse(ops.error());
               return Json(OperationsJson(*ops));
             });

  router.Add(Method::kGet, "/api/v1/revocations", [&checkins, &sessions](Request& request) {
    auto staff = Authorize(request, sessions, false);
    if (!staff) return ErrorResponse(staff.error());
    auto since = IntQuery(request, "since", 0, 0, INT64_MAX);
    if (!since) return ErrorResponse(since.error());
    auto list = checkins.Revocations(*since);
    if (!list) return ErrorResponse(list.error());
    json items = json::array();
    for (const auto& r : *list) items.push_back(ToJson(r));
    std::int64_t last = list->empty() ? *since : list->back().sequence;
    return Json({{"items", items}, {"sequence", last}});
  });

  router.Add(Method::kPost, "/api/v1/gate-devices", [&checkins, &sessions](Request& request) {
    auto staff = Authorize(request, sessions, true);
    if (!staff) return ErrorResponse(staff.error());
    auto body = ParseJsonObject(request.body, {"device_id", "public_key"});
    if (!body) return ErrorResponse(body.error());
    auto device = StringField(*body, "device_id", true);
    if (!device) return ErrorResponse(device.error());
    auto key = StringField(*body, "public_key", true);
    if (!key) return ErrorResponse(key.error());
    auto registered =
        checkins.RegisterGateDevice(**device, staff->station, **key, staff->username);
    if (!registered) return ErrorResponse(registered.error());
    return Json({{"device_id", **device}, {"station", staff->station.str()}, {"active", true}},
                201);
  });
}

namespace {
json WindowJson(const core::StationCode& station, const checkin::CheckinWindow& window) {
  return {{"station", station.str()},
          {"opens_before_minutes", window.opens_before.count()},
          {"closes_before_minutes", window.closes_before.count()}};
}
}  // namespace

void AddStationSettingsApi(Router& router, checkin::CheckinService& checkins,
                           Sessions& sessions) {
  // Any staff of the station reads its window; its manager sets it.
  router.Add(Method::kGet, "/api/v1/stations/{code}/checkin-window",
             [&checkins, &sessions](Request& request) {
               auto staff = Authorize(request, sessions, false);
               if (!staff) return ErrorResponse(staff.error());
               auto station = core::StationCode::Parse(request.PathParam("code"));
               if (!station) return ErrorResponse(station.error());
               auto window = checkins.StationCheckinWindow(*station);
               if (!window) return ErrorResponse(window.error());
               return Json(WindowJson(*station, *window));
             });
  router.Add(Method::kPut, "/api/v1/stations/{code}/checkin-window",
             [&checkins, &sessions](Request& request) {
               auto staff = Authorize(request, sessions, true);
               if (!staff) return ErrorResponse(staff.error());
               auto station = core::StationCode::Parse(request.PathParam("code"));
               if (!station) return ErrorResponse(station.error());
               if (*station != staff->station) {
                 return ErrorResponse(PermissionDenied("your account acts for station " +
                                                       staff->station.str() + " only")
                                          .value());
               }
               auto body =
                   ParseJsonObject(request.body, {"opens_before_minutes", "closes_before_minutes"});
               if (!body) return ErrorResponse(body.error());
               auto opens = IntField(*body, "opens_before_minutes", false);
               if (!opens) return ErrorResponse(opens.error());
               auto closes = IntField(*body, "closes_before_minutes", false);
               if (!closes) return ErrorResponse(closes.error());
               if (opens->has_value() != closes->has_value()) {
                 return ErrorResponse(
                     InvalidArgument("give both opens_before_minutes and closes_before_minutes, "
                                     "or neither to return to the province's window",
                                     opens->has_value() ? "closes_before_minutes"
                                                        : "opens_before_minutes")
                         .value());
               }
               std::optional<checkin::CheckinWindow> window;
               if (opens->has_value()) {
                 window = checkin::CheckinWindow{.opens_before = std::chrono::minutes(**opens),
                                                 .closes_before = std::chrono::minutes(**closes)};
               }
               auto set = checkins.SetStationCheckinWindow(*station, window, staff->username);
               if (!set) return ErrorResponse(set.error());
               return Json(WindowJson(*station, *set));
             });
}

void AddGateFeedApi(Router& router, checkin::CheckinService& checkins, Sessions& sessions,
                    const eticket::IssuerKeyStore& keys,
                    const std::array<std::uint8_t, 32>& id_hash_key) {
  router.Add(Method::kGet, "/api/v1/gate-feed",
             [&checkins, &sessions, &keys, id_hash_key](Request& request) {
               auto staff = Authorize(request, sessions, false);
               if (!staff) return ErrorResponse(staff.error());
               if (auto asked = request.QueryParam("station");
                   asked && *asked != staff->station.str()) {
                 return ErrorResponse(PermissionDenied("your account acts for station " +
                                                       staff->station.str() + " only")
                                          .value());
               }
               auto hours = IntQuery(request, "hours", 6, 1, 48);
               if (!hours) return ErrorResponse(hours.error());
               auto since = IntQuery(request, "revocations_since", 0, 0, INT64_MAX);
               if (!since) return ErrorResponse(since.error());
               auto snapshot =
                   checkins.GateSnapshotFor(staff->station, std::chrono::hours(*hours), *since);
               if (!snapshot) return ErrorResponse(snapshot.error());
               GateFeed feed{.station = staff->station.str(),
                             .generated_at = snapshot->generated_at.ToIso8601(),
                             .id_hash_key = id_hash_key,
                             .id_hash_key_known = true,
                             .window = snapshot->window,
                             .keys = {},
                             .tickets = std::move(snapshot->tickets),
                             .revocations = std::move(snapshot->revocations),
                             .checkins = std::move(snapshot->checkins)};
               for (const auto& key : keys.PublicKeys()) {
                 feed.keys.emplace_back(key.key_id, key.public_key_hex);
               }
               Response response = Json(ToJson(feed));
               response.headers.emplace_back("Cache-Control", "no-store");
               return response;
             });

  router.Add(Method::kPost, "/api/v1/checkins/journal", [&checkins, &sessions](Request& request) {
    auto staff = Authorize(request, sessions, false);
    if (!staff) return ErrorResponse(staff.error());
    auto body = ParseJsonObject(request.body, {"records"});
    if (!body) return ErrorResponse(body.error());
    auto list = body->find("records");
    if (list == body->end() || !list->is_array()) {
      return ErrorResponse(InvalidArgument("records must be an array", "records").value());
    }
    std::vector<checkin::CheckinRecord> records;
    for (std::size_t i = 0; i < list->size(); ++i) {
      auto record = CheckinRecordFromJson((*list)[i], "records[" + std::to_string(i) + "]");
      if (!record) return ErrorResponse(record.error());
      records.push_back(std::move(*record));
    }
    auto outcome = checkins.ApplyJournal(staff->station, records);
    if (!outcome) return ErrorResponse(outcome.error());
    JournalPushResult result{.applied = outcome->applied,
                             .duplicates = outcome->duplicates,
                             .conflicts = {}};
    for (const auto& [kept, other] : outcome->conflicts) result.conflicts.push_back({kept, other});
    json reply = ToJson(result);
    reply["rejected"] = outcome->rejected;
    return Json(reply);
  });
}

}  // namespace keyun::http
