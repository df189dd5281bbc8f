// The HTTP handlers of the master data (network/) and staff sessions: parse, call one
// NetworkService method, render JSON. The routes and their bodies are in docs/api.md.
#pragma once

#include "http/server.h"
#include "http/sessions.h"
#include "network/network_service.h"
#include "network/staff_login.h"
#include "store/store.h"

namespace keyun::http {

// GET /healthz and everything under /api/v1 that network/ serves:
//   POST/GET/DELETE /session, GET /stations, /stations/{code}, /carriers, /vehicles, /routes,
//   /routes/{code}, /schedules, /departures, /staff, POST /import/{table}, GET /export/{table}.
// Read-only timetable data (stations, routes) is public; the rest needs a staff session, and
// station roles see only their own station. Logins go through `logins` (throttled, audited).
void AddNetworkApi(Router& router, network::NetworkService& network, Sessions& sessions,
                   network::StaffLogin& logins, store::Store& store);

}  // namespace keyun::http
