#include "http/network_api.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/admin_divisions.h"
#include "http/json_body.h"

namespace keyun::http {
namespace {

using nlohmann::json;
using network::Role;

// ---- rendering -----------------------------------------------------------------------------

json ToJson(const network::Station& s) {
  const core::Division* county = core::FindCounty(s.code.county());
  return {{"code", s.code.str()},
          {"name", s.name},
          {"grade", s.grade},
          {"grade_name", std::string(network::StationGradeName(s.grade))},
          {"county_code", std::string(s.code.county())},
          {"county_name", county ? std::string(county->name) : ""},
          {"city_name", county ? std::string(core::CityName(county->city_code)) : ""},
          {"address", s.address},
          {"pinyin", s.pinyin},
          {"active", s.active}};
}

json ToJson(const network::Carrier& c) {
  return {{"credit_code", c.credit_code.str()},
          {"name", c.name},
          {"licence", c.licence_no},
          {"home_station", c.home_station ? json(c.home_station->str()) : json(nullptr)}};
}

json ToJson(const network::Vehicle& v) {
  return {{"plate", v.plate},
          {"carrier", v.carrier.str()},
          {"seats", v.seats},
          {"layout", v.layout},
          {"vehicle_class", std::string(network::VehicleClassKey(v.vehicle_class))},
          {"vehicle_class_name", std::string(network::VehicleClassName(v.vehicle_class))},
          {"active", v.active}};
}

json MoneyJson(core::Money m) { return m.fen(); }

json ToJson(const network::Fare& f) {
  return {{"from_index", f.from_index},       {"to_index", f.to_index},
          {"adult", MoneyJson(f.adult)},      {"child", MoneyJson(f.child)},
          {"discount", MoneyJson(f.discount)}, {"station_fee", MoneyJson(f.station_fee)},
          {"cap", MoneyJson(f.cap)}};
}

// Station names are looked up once per response, not once per row.
class StationNames {
 public:
  explicit StationNames(network::NetworkService& network) : network_(network) {}
  std::string Name(const core::StationCode& code) {
    if (!loaded_) {
      if (auto all = network_.ListStations({.limit = 1000}); all) {
        for (const auto& s : *all) names_[s.code.str()] = s.name;
      }
      loaded_ = true;
    }
    auto it = names_.find(code.str());
    return it == names_.end() ? code.str() : it->second;
  }

 private:
  network::NetworkService& network_;
  bool loaded_ = false;
  std::map<std::string, std::string> names_;
};

json ToJson(const network::Route& r, StationNames& names) {
  json stops = json::array();
  for (std::size_t i = 0; i < r.stops.size(); ++i) {
    stops.push_back({{"index", i},
                     {"station_code", r.stops[i].station.str()},
                     {"station_name", names.Name(r.stops[i].station)},
                     {"km", r.stops[i].km}});
  }
  return {{"code", r.code},
          {"name", r.name},
          {"route_class", r.route_class},
          {"route_class_name", std::string(network::RouteClassName(r.route_class))},
          {"real_name_required", r.real_name_required},
          {"total_km", r.total_km()},
          {"stops", stops}};
}

json ToJson(const network::Schedule& s, StationNames& names,
            const std::map<std::string, std::string>& carriers,
            const std::map<std::string, std::string>& routes) {
  auto carrier = carriers.find(s.carrier.str());
  auto route = routes.find(s.route_code);
  return {{"station_code", s.station.str()},
          {"station_name", names.Name(s.station)},
          {"code", s.code.str()},
          {"route_code", s.route_code},
          {"route_name", route == routes.end() ? s.route_code : route->second},
          {"departs", s.departure.ToString()},
          {"days", network::DaysToString(s.days_mask)},
          {"valid_from", s.valid_from.ToString()},
          {"valid_to", s.valid_to ? json(s.valid_to->ToString()) : json(nullptr)},
          {"carrier", s.carrier.str()},
          {"carrier_name", carrier == carriers.end() ? s.carrier.str() : carrier->second},
          {"vehicle_class", std::string(network::VehicleClassKey(s.vehicle_class))},
          {"seats", s.seats},
          {"kind", std::string(network::RunKindKey(s.kind))},
          {"active", s.active}};
}

json ToJson(const network::RunSummary& r) {
  return {{"run_id", r.run.id.str()},
          {"route_code", r.run.route_code},
          {"route_name", r.route_name},
          {"from", r.origin.str()},
          {"from_name", r.origin_name},
          {"to", r.destination.str()},
          {"to_name", r.destination_name},
          {"departs_at", r.run.departs_at.ToIso8601()},
          {"status", std::string(network::RunStatusKey(r.run.status))},
          {"kind", std::string(network::RunKindKey(r.run.kind))},
          {"seats", r.run.seats},
          {"carrier", r.run.carrier.str()},
          {"carrier_name", r.carrier_name},
          {"vehicle_class", std::string(network::VehicleClassKey(r.run.vehicle_class))}};
}

json ToJson(const network::Staff& s) {
  return {{"username", s.username},
          {"display_name", s.display_name},
          {"role", std::string(network::RoleKey(s.role))},
          {"role_name", std::string(network::RoleName(s.role))},
          {"station", s.station ? json(s.station->str()) : json(nullptr)},
          {"carrier", s.carrier ? json(s.carrier->str()) : json(nullptr)},
          {"active", s.active}};
}

template <class T, class Render>
Response Items(const Result<std::vector<T>>& items, Render render) {
  if (!items) return ErrorResponse(items.error());
  json out = json::array();
  for (const T& item : *items) out.push_back(render(item));
  return Json({{"items", out}});
}

// ---- access --------------------------------------------------------------------------------

bool IsStationRole(const SessionInfo& who) {
  auto role = network::ParseRole(who.role);
  return role && network::RoleRequiresStation(*role);
}

// The station a request is about: ?station= if given (a station role may only name its own),
// else the staff member's own station for station roles, else none (the whole province).
Result<std::optional<core::StationCode>> ScopedStation(const Request& request,
                                                       const SessionInfo& who) {
  std::optional<std::string> asked = request.QueryParam("station");
  if (asked && !asked->empty()) {
    auto code = core::StationCode::Parse(*asked);
    if (!code) return InvalidArgument(code.error().message, "station");
    if (IsStationRole(who) && code->str() != who.station_code) {
      return PermissionDenied("your account acts for station " + who.station_code +
                              " only; ask a province administrator for other stations");
    }
    return std::optional<core::StationCode>(*code);
  }
  if (IsStationRole(who) && !who.station_code.empty()) {
    auto own = core::StationCode::Parse(who.station_code);
    if (own) return std::optional<core::StationCode>(*own);
  }
  return std::optional<core::StationCode>();
}

Result<void> RequireRole(const SessionInfo& who, std::initializer_list<Role> roles) {
  auto role = network::ParseRole(who.role);
  if (role) {
    for (Role allowed : roles) {
      if (*role == allowed) return {};
    }
  }
  return PermissionDenied("your role (" + who.role + ") may not do this");
}

}  // namespace

void AddNetworkApi(Router& router, network::NetworkService& network, Sessions& sessions,
                   network::StaffLogin& logins, store::Store& store) {
  // /healthz says the node is up and serving, from memory: the engine and the schema version
  // it migrated to at start (it cannot change while it runs). /readyz asks the store, for a
  // load balancer that should send nothing to a node whose database is gone.
  auto health = [&store](Result<int> version) {
    if (!version) return ErrorResponse(version.error());
    return Json({{"status", "ok"},
                 {"engine", std::string(store::EngineName(store.engine()))},
                 {"schema_version", *version}});
  };
  router.Add(
      Method::kGet, "/healthz",
      [answer = health(store.SchemaVersion())](Request&) { return answer; },
      Blocking::kMemoryFirst);
  router.Add(Method::kGet, "/readyz",
             [&store, health](Request&) { return health(store.SchemaVersion()); });

  // ---- sessions ----
  router.Add(Method::kPost, "/api/v1/session", [&logins, &sessions](Request& request) {
    auto body = ParseJsonObject(request.body, {"username", "password"});
    if (!body) return ErrorResponse(body.error());
    auto username = StringField(*body, "username", true);
    if (!username) return ErrorResponse(username.error());
    auto password = StringField(*body, "password", true);
    if (!password) return ErrorResponse(password.error());
    auto staff = logins.LogIn(**username, **password, request.client_address);
    if (!staff) return ErrorResponse(staff.error());
    SessionInfo info{.username = staff->username,
                     .display_name = staff->display_name,
                     .role = std::string(network::RoleKey(staff->role)),
                     .station_code = staff->station ? staff->station->str() : "",
                     .carrier_code = staff->carrier ? staff->carrier->str() : "",
                     .expires_at = {}};
    Sessions::Started started = sessions.Create(info);
    json out = ToJson(*staff);
    out["token"] = started.token;
    out["expires_at"] = started.expires_at.ToIso8601();
    return Json(out, 201);
  });
  router.Add(Method::kGet, "/api/v1/session", [&network, &sessions](Request& request) {
    auto who = sessions.Authenticate(request);
    if (!who) return ErrorResponse(who.error());
    auto staff = network.GetStaff(who->username);
    if (!staff) return ErrorResponse(staff.error());
    json out = ToJson(*staff);
    out["expires_at"] = who->expires_at.ToIso8601();
    return Json(out);
  });
  router.Add(Method::kDelete, "/api/v1/session", [&sessions](Request& request) {
    auto header = request.Header("authorization").value_or("");
    if (header.starts_with("Bearer ")) sessions.End(header.substr(7));
    Response response;
    response.status = 204;
    return response;
  });

  // ---- public timetable data ----
  router.Add(Method::kGet, "/api/v1/stations", [&network](Request& request) {
    auto limit = IntQuery(request, "limit", 100, 1, 1000);
    if (!limit) return ErrorResponse(limit.error());
    network::StationQuery query{.text = request.QueryParam("q").value_or(""),
                                .limit = static_cast<int>(*limit),
                                .include_inactive = false};
    return Items(network.ListStations(query), [](const auto& s) { return ToJson(s); });
  });
  router.Add(Method::kGet, "/api/v1/stations/{code}", [&network](Request& request) {
    auto code = core::StationCode::Parse(request.PathParam("code"));
    if (!code) return ErrorResponse(WithField(code.error(), "code"));
    auto station = network.GetStation(*code);
    if (!station) return ErrorResponse(station.error());
    return Json(ToJson(*station));
  });
  router.Add(Method::kGet, "/api/v1/routes", [&network](Request& request) {
    std::optional<core::StationCode> serving;
    if (auto text = request.QueryParam("station"); text && !text->empty()) {
      auto code = core::StationCode::Parse(*text);
      if (!code) return ErrorResponse(WithField(code.error(), "station"));
      serving = *code;
    }
    StationNames names(network);
    return Items(network.ListRoutes(serving), [&](const auto& r) { return ToJson(r, names); });
  });
  router.Add(Method::kGet, "/api/v1/routes/{code}", [&network](Request& request) {
    auto route = network.GetRoute(request.PathParam("code"));
    if (!route) return ErrorResponse(route.error());
    auto fares = network.ListFares(route->code);
    if (!fares) return ErrorResponse(fares.error());
    StationNames names(network);
    json out = ToJson(*route, names);
    out["fares"] = json::array();
    for (const auto& f : *fares) out["fares"].push_back(ToJson(f));
    return Json(out);
  });

  // ---- staff-only data ----
  router.Add(Method::kGet, "/api/v1/carriers", [&network, &sessions](Request& request) {
    auto who = sessions.Authenticate(request);
    if (!who) return ErrorResponse(who.error());
    return Items(network.ListCarriers(), [](const auto& c) { return ToJson(c); });
  });
  router.Add(Method::kGet, "/api/v1/vehicles", [&network, &sessions](Request& request) {
    auto who = sessions.Authenticate(request);
    if (!who) return ErrorResponse(who.error());
    return Items(network.ListVehicles(), [](const auto& v) { return ToJson(v); });
  });
  router.Add(Method::kGet, "/api/v1/schedules", [&network, &sessions](Request& request) {
    auto who = sessions.Authenticate(request);
    if (!who) return ErrorResponse(who.error());
    auto station = ScopedStation(request, *who);
    if (!station) return ErrorResponse(station.error());
    std::map<std::string, std::string> carriers, routes;
    if (auto all = network.ListCarriers(); all) {
      for (const auto& c : *all) carriers[c.credit_code.str()] = c.name;
    }
    if (auto all = network.ListRoutes(); all) {
      for (const auto& r : *all) routes[r.code] = r.name;
    }
    StationNames names(network);
    return Items(network.ListSchedules(*station),
                 [&](const auto& s) { return ToJson(s, names, carriers, routes); });
  });
  router.Add(Method::kGet, "/api/v1/departures", [&network, &sessions](Request& request) {
    auto who = sessions.Authenticate(request);
    if (!who) return ErrorResponse(who.error());
    auto station = ScopedStation(request, *who);
    if (!station) return ErrorResponse(station.error());
    core::LocalDate date = network.clock().Now().ShanghaiDate();
    if (auto text = request.QueryParam("date"); text && !text->empty()) {
      auto parsed = core::LocalDate::Parse(*text);
      if (!parsed) return ErrorResponse(WithField(parsed.error(), "date"));
      date = *parsed;
    }
    return Items(network.ListRuns(date, *station), [](const auto& r) { return ToJson(r); });
  });
  router.Add(Method::kGet, "/api/v1/staff", [&network, &sessions](Request& request) {
    auto who = sessions.Authenticate(request);
    if (!who) return ErrorResponse(who.error());
    if (auto ok = RequireRole(*who, {Role::kProvinceAdmin, Role::kStationManager, Role::kAuditor});
        !ok) {
      return ErrorResponse(ok.error());
    }
    auto station = ScopedStation(request, *who);
    if (!station) return ErrorResponse(station.error());
    return Items(network.ListStaff(*station), [](const auto& s) { return ToJson(s); });
  });

  // ---- CSV import and export (province administrators) ----
  router.Add(Method::kPost, "/api/v1/import/{table}", [&network, &sessions](Request& request) {
    auto who = sessions.Authenticate(request);
    if (!who) return ErrorResponse(who.error());
    if (auto ok = RequireRole(*who, {Role::kProvinceAdmin}); !ok) return ErrorResponse(ok.error());
    auto table = network::ParseTable(request.PathParam("table"));
    if (!table) return ErrorResponse(WithField(table.error(), "table"));
    bool dry_run = request.QueryParam("dry_run").value_or("") == "true";
    auto report = network.ImportCsv(*table, request.body, {.dry_run = dry_run});
    if (!report) return ErrorResponse(report.error());
    return Json({{"table", std::string(network::TableName(report->table))},
                 {"records", report->records},
                 {"inserted", report->inserted},
                 {"updated", report->updated},
                 {"dry_run", dry_run}});
  });
  router.Add(Method::kGet, "/api/v1/export/{table}", [&network, &sessions](Request& request) {
    auto who = sessions.Authenticate(request);
    if (!who) return ErrorResponse(who.error());
    if (auto ok = RequireRole(*who, {Role::kProvinceAdmin, Role::kAuditor}); !ok) {
      return ErrorResponse(ok.error());
    }
    auto table = network::ParseTable(request.PathParam("table"));
    if (!table) return ErrorResponse(WithField(table.error(), "table"));
    auto csv = network.ExportCsv(*table);
    if (!csv) return ErrorResponse(csv.error());
    Response response;
    response.content_type = "text/csv; charset=utf-8";
    response.headers.emplace_back(
        "Content-Disposition",
        "attachment; filename=\"" + std::string(network::TableName(*table)) + ".csv\"");
    response.body = std::move(*csv);
    return response;
  });
}

}  // namespace keyun::http
