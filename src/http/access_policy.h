// Who may call what (接口权限): the one table of every route's callers and station scope, and
// the guard that enforces it before any handler runs.
//
//   AccessGuard guard(sessions, holders);
//   router.SetGuard([&guard](Method m, std::string_view pattern, Request& r) {
//     return guard.Check(m, pattern, r);
//   });
//   Result<void> complete = CheckEveryRouteHasARule(router);   // at node start
//
// A request is admitted when either
//   - it carries a staff session (Authorization: Bearer) whose role the route lists, and for a
//     station role (clerk, station manager, kiosk, gate operator) the thing it names belongs to
//     that station (the Scope below); province roles (administrator, auditor) are not bound to
//     a station, and a carrier dispatcher's runs are checked against its carrier by the
//     service; or
//   - the route is open to passengers: to anyone (Passenger::kAnyone), or to the holder of the
//     order or ticket named in the path (Passenger::kHolder), who proves it with the order's
//     access token (SalesService::OrderAccessToken): header X-Access-Token, query parameter
//     access_token (for <img src> and PDF links), or body field access_token.
// A session with a role the route does not list is refused (403) even on an open route, so a
// gate operator's session cannot take cash through a passenger path. Refusals: 401 with no
// proof at all, 403 with the wrong role, station or token, 404 when the order or ticket does
// not exist. The table is documented in docs/api.md and tested as a whole in
// tests/http/access_policy_test.cc (every role against every state-changing route).
//
// Rules the table cannot see stay in the services and are listed in its `note`s: which
// payment methods need staff, a machine's need for the holder's ID card, a dispatcher's
// carrier.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "http/server.h"
#include "http/sessions.h"
#include "network/master_data.h"

namespace keyun::http {

// Which callers without a staff session a route admits.
enum class Passenger {
  kNone,    // staff only
  kAnyone,  // public: no proof (search, login, pages, providers' signed notifications)
  kHolder,  // the buyer, with the access token of the order or ticket in the path
};

// What a station role's station must own for the request to pass.
enum class Scope {
  kProvince,  // nothing: the handler or service limits what it shows (e.g. own-station lists)
  kStation,   // the station in the path ({code})
  kRun,       // the run in the path ({run_id} starts with its departure station's code)
  kOrder,     // the order in the path ({id}): its selling station or its run's stations
  kTicket,    // the ticket in the path ({number}): its boarding station or selling station
};

// A bit per network::Role.
using RoleSet = std::uint32_t;
[[nodiscard]] constexpr RoleSet RoleBit(network::Role role) {
  return RoleSet{1} << static_cast<int>(role);
}

struct AccessRule {
  Method method;
  std::string_view pattern;  // as given to Router::Add; "/*" stands for every page
  RoleSet roles;             // staff roles admitted with a session
  Passenger passenger;
  Scope scope;
  std::string_view note;  // what the route is and any rule the service adds (docs/api.md)
};

// The whole table, in the order of docs/api.md.
[[nodiscard]] std::span<const AccessRule> AccessTable();
// The rule of a route as added to the router; the pages' rule for a GET outside /api/ and
// /healthz; nullptr when the route has none (a bug: CheckEveryRouteHasARule refuses to start).
[[nodiscard]] const AccessRule* FindAccessRule(Method method, std::string_view pattern);
// kInternal naming the first route added to `router` without a rule.
[[nodiscard]] Result<void> CheckEveryRouteHasARule(const Router& router);

// The access token a request carries: header X-Access-Token, else query access_token, else a
// JSON body's string field access_token; empty if none.
[[nodiscard]] std::string AccessTokenOf(const Request& request);

// What the guard must know about the orders and tickets it scopes. Implemented over the
// sales service by the node; thread-safe.
class HolderDirectory {
 public:
  virtual ~HolderDirectory() = default;
  struct Owner {
    std::string order_id;
    std::vector<std::string> stations;  // station codes that may act on it
  };
  // kNotFound when there is no such order or ticket.
  [[nodiscard]] virtual Result<Owner> OrderOwner(const std::string& order_id) = 0;
  [[nodiscard]] virtual Result<Owner> TicketOwner(const std::string& ticket_number) = 0;
  // True if `token` is `order_id`'s access token.
  [[nodiscard]] virtual bool IsAccessToken(const std::string& order_id,
                                           std::string_view token) = 0;
};

class AccessGuard final {
 public:
  AccessGuard(Sessions& sessions, HolderDirectory& holders)
      : sessions_(sessions), holders_(holders) {}

  // nullopt when `request` may go on to the route's handler (request.session and
  // request.holder then say who was admitted); the refusal otherwise. Thread-safe.
  [[nodiscard]] std::optional<Response> Check(Method method, std::string_view pattern,
                                              Request& request);

 private:
  Result<void> Admit(const AccessRule& rule, Request& request);
  Result<void> CheckStation(const AccessRule& rule, const SessionInfo& who, Request& request);
  Result<HolderDirectory::Owner> OwnerOf(const AccessRule& rule, const Request& request);

  Sessions& sessions_;
  HolderDirectory& holders_;
};

}  // namespace keyun::http
