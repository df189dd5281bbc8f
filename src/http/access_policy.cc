#include "http/access_policy.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace keyun::http {
namespace {

using network::Role;

constexpr RoleSet kAdmin = RoleBit(Role::kProvinceAdmin);
constexpr RoleSet kManager = RoleBit(Role::kStationManager);
constexpr RoleSet kClerk = RoleBit(Role::kClerk);
constexpr RoleSet kKiosk = RoleBit(Role::kKiosk);
constexpr RoleSet kGate = RoleBit(Role::kGateOperator);
constexpr RoleSet kDispatcher = RoleBit(Role::kCarrierDispatcher);
constexpr RoleSet kAuditor = RoleBit(Role::kAuditor);
constexpr RoleSet kAllStaff =
    kAdmin | kManager | kClerk | kKiosk | kGate | kDispatcher | kAuditor;
// Who sells and takes after-sales: at windows, and the station's self-service machines.
constexpr RoleSet kTicketDesk = kAdmin | kManager | kClerk | kKiosk;
// Who runs boarding at a gate.
constexpr RoleSet kBoarding = kManager | kGate;

constexpr Method kGet = Method::kGet, kPost = Method::kPost, kPut = Method::kPut,
                 kDelete = Method::kDelete;
constexpr Passenger kStaffOnly = Passenger::kNone, kAnyone = Passenger::kAnyone,
                    kHolder = Passenger::kHolder;

constexpr AccessRule kTable[] = {
    // Public: health, login, master data for search, pages.
    {kGet, "/healthz", kAllStaff, kAnyone, Scope::kProvince, "health check, from memory"},
    {kGet, "/readyz", kAllStaff, kAnyone, Scope::kProvince,
     "readiness: the store answers a query"},
    {kGet, "/*", kAllStaff, kAnyone, Scope::kProvince, "the pages and their scripts"},
    {kPost, "/api/v1/session", kAllStaff, kAnyone, Scope::kProvince,
     "log in (throttled per account and address)"},
    {kGet, "/api/v1/session", kAllStaff, kStaffOnly, Scope::kProvince, "who is logged in"},
    {kDelete, "/api/v1/session", kAllStaff, kAnyone, Scope::kProvince, "log out"},
    {kGet, "/api/v1/stations", kAllStaff, kAnyone, Scope::kProvince, "station search"},
    {kGet, "/api/v1/stations/{code}", kAllStaff, kAnyone, Scope::kProvince, "one station"},
    {kGet, "/api/v1/routes", kAllStaff, kAnyone, Scope::kProvince, "routes"},
    {kGet, "/api/v1/routes/{code}", kAllStaff, kAnyone, Scope::kProvince, "one route"},
    {kGet, "/api/v1/runs", kAllStaff, kAnyone, Scope::kProvince, "run search"},
    {kGet, "/api/v1/runs/{run_id}/availability", kAllStaff, kAnyone, Scope::kProvince,
     "seats left on one run for a trip, by channel and fare type"},
    {kGet, "/api/v1/keys", kAllStaff, kAnyone, Scope::kProvince, "issuer public keys"},
    // Master data for staff.
    {kGet, "/api/v1/carriers", kAllStaff, kStaffOnly, Scope::kProvince, "carriers"},
    {kGet, "/api/v1/vehicles", kAllStaff, kStaffOnly, Scope::kProvince,
     "vehicles (a station role sees its own station's)"},
    {kGet, "/api/v1/schedules", kAllStaff, kStaffOnly, Scope::kProvince,
     "schedules (a station role sees its own station's)"},
    {kGet, "/api/v1/departures", kAllStaff, kStaffOnly, Scope::kProvince,
     "today's runs (a station role sees its own station's)"},
    {kGet, "/api/v1/staff", kAdmin | kManager | kAuditor, kStaffOnly, Scope::kProvince,
     "staff accounts (a manager sees its own station's)"},
    {kPost, "/api/v1/import/{table}", kAdmin, kStaffOnly, Scope::kProvince,
     "master data import"},
    {kGet, "/api/v1/export/{table}", kAdmin | kAuditor, kStaffOnly, Scope::kProvince,
     "master data export"},
    // Sales.
    {kPost, "/api/v1/orders", kTicketDesk, kAnyone, Scope::kProvince,
     "hold seats: channel mobile or platform without a session; window for clerks, managers "
     "and administrators; kiosk for machines (the service checks the run's station)"},
    {kGet, "/api/v1/orders/{id}", kTicketDesk | kAuditor, kHolder, Scope::kOrder, "an order"},
    {kPost, "/api/v1/orders/{id}/pay", kTicketDesk, kHolder, Scope::kOrder,
     "pay: sandbox for the holder; cash and card only with a staff session"},
    {kPost, "/api/v1/orders/{id}/cancel", kTicketDesk, kHolder, Scope::kOrder,
     "give up a held order"},
    {kPost, "/api/v1/runs/{run_id}/stop", kAdmin | kManager, kStaffOnly, Scope::kRun,
     "stop a run (停班)"},
    {kGet, "/api/v1/tickets/{number}", kTicketDesk | kGate | kAuditor, kHolder, Scope::kTicket,
     "a ticket"},
    {kGet, "/api/v1/tickets/{number}/voucher", kTicketDesk | kGate | kAuditor, kHolder,
     Scope::kTicket, "the voucher's Base45 text"},
    {kGet, "/api/v1/tickets/{number}/voucher.svg", kTicketDesk | kGate | kAuditor, kHolder,
     Scope::kTicket, "the voucher's QR code"},
    {kGet, "/api/v1/tickets/{number}/voucher.png", kTicketDesk | kGate | kAuditor, kHolder,
     Scope::kTicket, "the voucher's QR code"},
    {kGet, "/api/v1/tickets/{number}/voucher.pdf", kTicketDesk | kGate | kAuditor, kHolder,
     Scope::kTicket, "the printable voucher"},
    {kGet, "/api/v1/tickets/{number}/refund-quote", kTicketDesk, kHolder, Scope::kTicket,
     "what a refund would pay back"},
    {kPost, "/api/v1/tickets/{number}/refund", kTicketDesk, kHolder, Scope::kTicket,
     "refund (退票); a machine also needs the holder's ID card or the access token"},
    {kGet, "/api/v1/tickets/{number}/change-quote", kTicketDesk, kHolder, Scope::kTicket,
     "what a change would cost"},
    {kPost, "/api/v1/tickets/{number}/change", kTicketDesk, kHolder, Scope::kTicket,
     "change (改签); a machine also needs the holder's ID card or the access token"},
    {kPost, "/api/v1/tickets/{number}/reimbursement", kManager | kClerk | kKiosk, kStaffOnly,
     Scope::kProvince,
     "the paper reimbursement ticket, at the account's own station (the service checks)"},
    {kPost, "/api/v1/tickets/lookup", kManager | kClerk | kKiosk, kStaffOnly, Scope::kProvince,
     "a passenger's tickets by ID document, boarding at the account's station"},
    // Payment providers and the sandbox wallet (the passenger's wallet app).
    {kPost, "/api/v1/payments/{provider}/notify", kAllStaff, kAnyone, Scope::kProvince,
     "a provider's signed payment notification"},
    {kPost, "/api/v1/payments/{provider}/refund-notify", kAllStaff, kAnyone, Scope::kProvince,
     "a provider's signed refund notification"},
    {kGet, "/api/v1/sandbox/wallet/{payment_id}", kAllStaff, kAnyone, Scope::kProvince,
     "sandbox wallet: a payment's state"},
    {kPost, "/api/v1/sandbox/wallet/{payment_id}/approve", kAllStaff, kAnyone,
     Scope::kProvince, "sandbox wallet: the passenger approves"},
    // Boarding and station operations.
    {kPost, "/api/v1/checkins", kBoarding, kStaffOnly, Scope::kProvince,
     "check in at a gate of the account's station (the service checks)"},
    {kPost, "/api/v1/checkins/journal", kBoarding, kStaffOnly, Scope::kProvince,
     "an offline gate's journal, for the account's station"},
    {kGet, "/api/v1/gate-feed", kBoarding, kStaffOnly, Scope::kProvince,
     "what an offline gate of the account's station syncs"},
    {kGet, "/api/v1/revocations", kBoarding, kStaffOnly, Scope::kProvince, "revoked vouchers"},
    {kPost, "/api/v1/gate-devices", kManager, kStaffOnly, Scope::kProvince,
     "register a gate terminal's key at the manager's station"},
    {kGet, "/api/v1/runs/{run_id}/manifest", kBoarding | kDispatcher, kStaffOnly,
     Scope::kProvince,
     "boarding manifest at the account's station; a dispatcher's own carrier's runs"},
    {kGet, "/api/v1/runs/{run_id}/operations", kBoarding, kStaffOnly, Scope::kProvince,
     "crew, safety check and departure of a run at the account's station"},
    {kPost, "/api/v1/runs/{run_id}/crew", kBoarding, kStaffOnly, Scope::kProvince,
     "crew check-in (报班) at the account's station"},
    {kPost, "/api/v1/runs/{run_id}/safety-check", kBoarding, kStaffOnly, Scope::kProvince,
     "safety check (例检) at the account's station"},
    {kPost, "/api/v1/runs/{run_id}/depart", kBoarding, kStaffOnly, Scope::kProvince,
     "departure (发车) at the account's station"},
    {kGet, "/api/v1/stations/{code}/checkin-window", kBoarding, kStaffOnly, Scope::kStation,
     "the station's check-in window"},
    {kPut, "/api/v1/stations/{code}/checkin-window", kManager, kStaffOnly, Scope::kStation,
     "set the station's check-in window"},
};

bool IsPagePattern(Method method, std::string_view pattern) {
  return method == Method::kGet && !pattern.starts_with("/api/") && pattern != "/healthz" &&
         pattern != "/readyz";
}

bool StationRole(Role role) {
  return role == Role::kStationManager || role == Role::kClerk || role == Role::kKiosk ||
         role == Role::kGateOperator;
}

std::string RoleList(RoleSet roles) {
  std::string out;
  for (Role role : network::AllRoles()) {
    if ((roles & RoleBit(role)) == 0) continue;
    if (!out.empty()) out += ", ";
    out += network::RoleKey(role);
  }
  return out;
}

std::string RoleNamesZh(RoleSet roles) {
  std::string out;
  for (Role role : network::AllRoles()) {
    if ((roles & RoleBit(role)) == 0) continue;
    if (!out.empty()) out += "、";
    out += network::RoleName(role);
  }
  return out;
}

}  // namespace

std::span<const AccessRule> AccessTable() { return kTable; }

const AccessRule* FindAccessRule(Method method, std::string_view pattern) {
  if (IsPagePattern(method, pattern)) pattern = "/*";
  for (const AccessRule& rule : kTable) {
    if (rule.method == method && rule.pattern == pattern) return &rule;
  }
  return nullptr;
}

Result<void> CheckEveryRouteHasARule(const Router& router) {
  for (const auto& [method, pattern] : router.Routes()) {
    if (FindAccessRule(method, pattern) == nullptr) {
      return Internal(std::string(MethodName(method)) + " " + pattern +
                      " has no rule in the access table (src/http/access_policy.cc)");
    }
  }
  return {};
}

std::string AccessTokenOf(const Request& request) {
  if (auto header = request.Header("x-access-token"); header && !header->empty()) return *header;
  if (auto query = request.QueryParam("access_token"); query && !query->empty()) return *query;
  if (!request.body.empty() && request.body.front() == '{') {
    auto body = nlohmann::json::parse(request.body, nullptr, false);
    if (body.is_object()) {
      auto it = body.find("access_token");
      if (it != body.end() && it->is_string()) return it->get<std::string>();
    }
  }
  return "";
}

Result<HolderDirectory::Owner> AccessGuard::OwnerOf(const AccessRule& rule,
                                                    const Request& request) {
  if (rule.scope == Scope::kOrder) return holders_.OrderOwner(request.PathParam("id"));
  return holders_.TicketOwner(request.PathParam("number"));
}

Result<void> AccessGuard::CheckStation(const AccessRule& rule, const SessionInfo& who,
                                       Request& request) {
  auto role = network::ParseRole(who.role);
  if (!role || !StationRole(*role) || rule.scope == Scope::kProvince) return {};
  const std::string& own = who.station_code;
  auto other_station = [&](const std::string& what) {
    return InZh(PermissionDenied("your account acts for station " + own + " only; " + what),
                "您的账号只能办理本站（" + own + "）的业务");
  };
  switch (rule.scope) {
    case Scope::kProvince: return {};
    case Scope::kStation:
      if (request.PathParam("code") == own) return {};
      return other_station("station " + request.PathParam("code") + " is another station");
    case Scope::kRun: {
      auto run = core::RunId::Parse(request.PathParam("run_id"));
      if (!run) return tl::unexpected(WithField(run.error(), "run_id"));
      if (run->station().str() == own) return {};
      return other_station("run " + run->str() + " departs from station " +
                           run->station().str());
    }
    case Scope::kOrder:
    case Scope::kTicket: {
      auto owner = OwnerOf(rule, request);
      if (!owner) return Propagate(owner);
      if (std::find(owner->stations.begin(), owner->stations.end(), own) !=
          owner->stations.end()) {
        return {};
      }
      return other_station(rule.scope == Scope::kOrder
                               ? "this order was not sold at it and does not board there"
                               : "this ticket was not sold at it and does not board there");
    }
  }
  return {};
}

Result<void> AccessGuard::Admit(const AccessRule& rule, Request& request) {
  const bool sent_session = request.Header("authorization").has_value();
  if (sent_session) {
    Result<SessionInfo> who = sessions_.Authenticate(request);
    if (who) {
      auto role = network::ParseRole(who->role);
      if (!role || (rule.roles & RoleBit(*role)) == 0) {
        return InZh(PermissionDenied("your role (" + who->role + ") may not do this; it is for: " +
                                     RoleList(rule.roles)),
                    "您的岗位（" + std::string(role ? network::RoleName(*role) : who->role) +
                        "）无权执行此操作；此操作限：" + RoleNamesZh(rule.roles));
      }
      if (auto station = CheckStation(rule, *who, request); !station) return station;
      request.session = std::move(*who);
      return {};
    }
    // A stale token on a public path is no reason to refuse what anyone may do.
    if (rule.passenger == Passenger::kNone) return Propagate(who);
    if (rule.passenger == Passenger::kHolder && AccessTokenOf(request).empty()) {
      return Propagate(who);
    }
  }
  switch (rule.passenger) {
    case Passenger::kAnyone: return {};
    case Passenger::kNone:
      return InZh(Unauthenticated("log in first: send 'Authorization: Bearer <token>' from POST "
                                  "/api/v1/session"),
                  "请先登录");
    case Passenger::kHolder: {
      const std::string token = AccessTokenOf(request);
      if (token.empty()) {
        return InZh(Unauthenticated("this belongs to its buyer: send the order's access token "
                                    "(X-Access-Token, given with the order), or log in as "
                                    "station staff"),
                    "仅限购票人查看或办理：请提供订单凭据（下单时发放），或由车站工作人员登录后办理");
      }
      auto owner = OwnerOf(rule, request);
      if (!owner) return Propagate(owner);
      if (!holders_.IsAccessToken(owner->order_id, token)) {
        return InZh(PermissionDenied("this access token is not that of this order or ticket; "
                                     "use the token given with the order it was bought in"),
                    "凭据与此订单或车票不符，请使用购票时发放的订单凭据");
      }
      request.holder = true;
      return {};
    }
  }
  return {};
}

std::optional<Response> AccessGuard::Check(Method method, std::string_view pattern,
                                           Request& request) {
  const AccessRule* rule = FindAccessRule(method, pattern);
  if (rule == nullptr) {
    return ErrorResponse(Error{ErrorCode::kInternal,
                               "this route has no access rule; report it to the operator", ""});
  }
  if (auto admitted = Admit(*rule, request); !admitted) return ErrorResponse(admitted.error());
  return std::nullopt;
}

}  // namespace keyun::http
