#include "http/reimbursement_api.h"

#include <nlohmann/json.hpp>

#include "http/json_body.h"

namespace keyun::http {
namespace {

using nlohmann::json;

// A station's ticket staff: the clerks and managers at its windows, and its self-service
// machines (role kiosk). They print reimbursement tickets and look tickets up by ID.
bool IsTicketStaff(std::string_view role) {
  auto parsed = network::ParseRole(role);
  return parsed && (*parsed == network::Role::kClerk || *parsed == network::Role::kStationManager ||
                    *parsed == network::Role::kKiosk);
}

// The request as the service takes it: who prints where, from the session: a clerk or station
// manager at a window, or a self-service machine's account (role kiosk) of its station. A
// supervisor's approval is checked here against their password; the service checks that they
// are a manager of this station, and that a machine's print carries the holder's ID.
Result<sales::ReimbursementRequest> ParsePrint(Request& request, network::StaffLogin& logins,
                                               Sessions& sessions) {
  auto body = ParseJsonObject(request.body.empty() ? "{}" : request.body,
                              {"station", "id_type", "id_number", "supervisor"});
  if (!body) return Propagate(body);
  auto station_text = StringField(*body, "station", false);
  if (!station_text) return Propagate(station_text);
  auto who = sessions.Authenticate(request);
  if (!who) return Propagate(who);
  if (!IsTicketStaff(who->role)) {
    return PermissionDenied("reimbursement tickets are printed by ticket clerks, station "
                            "managers and self-service machines; your role is " +
                            who->role);
  }
  auto code = core::StationCode::Parse(who->station_code);
  if (!code) return PermissionDenied("your account has no station; ask an administrator");
  if (*station_text && **station_text != code->str()) {
    return InvalidArgument("a print is made at the account's own station, " + code->str() +
                               "; leave out station",
                           "station");
  }
  const bool machine = who->role == network::RoleKey(network::Role::kKiosk);
  sales::ReimbursementRequest out{
      .ticket_number = request.PathParam("number"),
      .idempotency_key = request.Header("idempotency-key").value_or(""),
      .channel = machine ? sales::Channel::kKiosk : sales::Channel::kWindow,
      .station = *code,
      .printed_by = who->username};
  auto id_type = StringField(*body, "id_type", false);
  if (!id_type) return Propagate(id_type);
  auto id_number = StringField(*body, "id_number", false);  // the service asks a machine for it
  if (!id_number) return Propagate(id_number);
  out.id_type = id_type->value_or("resident_id");
  out.id_number = id_number->value_or("");
  if (body->contains("supervisor") && !body->at("supervisor").is_null()) {
    const json& s = body->at("supervisor");
    if (!s.is_object()) return InvalidArgument("supervisor must be {username, password}", "supervisor");
    auto username = StringField(s, "username", true);
    if (!username) return InvalidArgument(username.error().message, "supervisor.username");
    auto password = StringField(s, "password", true);
    if (!password) return InvalidArgument(password.error().message, "supervisor.password");
    // A password check like any login: a guessed supervisor password locks as a login does.
    auto staff = logins.LogIn(**username, **password, request.client_address);
    if (!staff) {
      if (staff.error().code != ErrorCode::kUnauthenticated) return Propagate(staff);
      return InZh(PermissionDenied("the supervisor's username or password is wrong: the reprint "
                                   "is not approved; the supervisor enters them again"),
                  "站务经理的用户名或密码错误，重打未获批准；请站务经理重新输入");
    }
    out.supervisor = std::move(*staff);
  }
  return out;
}

json CollectableJson(const sales::CollectableTicket& c) {
  const sales::Ticket& t = c.ticket;
  return {{"ticket_number", t.ticket_number},
          {"run_id", t.run_id},
          {"departs_at", t.departs_at.ToIso8601()},
          {"from", t.from.str()},
          {"to", t.to.str()},
          {"seat", t.seat == 0 ? json(nullptr) : json(t.seat)},
          {"fare_type", std::string(sales::FareTypeKey(t.fare_type))},
          {"fare", t.fare.fen()},
          {"passenger_name", t.passenger_name_masked},
          {"status", t.status},
          {"reimbursement_prints", c.prints}};
}

}  // namespace

void AddReimbursementApi(Router& router, sales::ReimbursementTickets& prints,
                         network::StaffLogin& logins, Sessions& sessions) {
  router.Add(Method::kPost, "/api/v1/tickets/{number}/reimbursement",
             [&prints, &logins, &sessions](Request& request) {
               auto parsed = ParsePrint(request, logins, sessions);
               if (!parsed) return ErrorResponse(parsed.error());
               auto printed = prints.Print(*parsed);
               if (!printed) return ErrorResponse(printed.error());
               Response response;
               response.content_type = "application/pdf";
               response.headers.emplace_back("Cache-Control", "no-store");
               response.headers.emplace_back("X-Print-Sequence",
                                             std::to_string(printed->sequence));
               response.headers.emplace_back("X-Reprint", printed->reprint ? "1" : "0");
               response.headers.emplace_back("X-Document", printed->kind);
               response.body = std::move(printed->pdf);
               return response;
             });

  // A person's trips by ID number: only for a station's ticket staff (a window) and its
  // self-service machines (the card swiped), never for anyone who merely knows the number.
  router.Add(Method::kPost, "/api/v1/tickets/lookup", [&prints, &sessions](Request& request) {
    auto who = sessions.Authenticate(request);
    if (!who) return ErrorResponse(who.error());
    if (!IsTicketStaff(who->role)) {
      return ErrorResponse(PermissionDenied(
                               "tickets are looked up by ID at a station's windows and "
                               "self-service machines (ticket clerks, station managers, kiosk "
                               "accounts); your role is " +
                               who->role)
                               .value());
    }
    auto body = ParseJsonObject(request.body, {"id_type", "id_number"});
    if (!body) return ErrorResponse(body.error());
    auto id_type = StringField(*body, "id_type", false);
    if (!id_type) return ErrorResponse(id_type.error());
    auto id_number = StringField(*body, "id_number", true);
    if (!id_number) return ErrorResponse(id_number.error());
    auto tickets = prints.TicketsOf(id_type->value_or("resident_id"), **id_number);
    if (!tickets) return ErrorResponse(tickets.error());
    json items = json::array();
    for (const auto& t : *tickets) items.push_back(CollectableJson(t));
    Response response = Json({{"items", items}});
    response.headers.emplace_back("Cache-Control", "no-store");
    return response;
  });
}

}  // namespace keyun::http
