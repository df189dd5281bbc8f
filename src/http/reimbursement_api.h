// The reimbursement ticket (报销凭证) over HTTP, for the station window and the self-service
// machine (docs/api.md "Reimbursement tickets"):
//   POST /api/v1/tickets/{number}/reimbursement  + Idempotency-Key → application/pdf
//        staff (clerk or station manager): printed at their station's window;
//        no session: a self-service machine, {station, id_type, id_number} required;
//        a reprint adds {supervisor: {username, password}} of a station manager, checked like
//        a login (throttled and audited: network/staff_login.h).
//   POST /api/v1/tickets/lookup {id_type, id_number} → the holder's tickets to collect (取票)
#pragma once

#include "http/server.h"
#include "http/sessions.h"
#include "network/staff_login.h"
#include "sales/reimbursement_tickets.h"

namespace keyun::http {

void AddReimbursementApi(Router& router, sales::ReimbursementTickets& prints,
                         network::StaffLogin& logins, Sessions& sessions);

}  // namespace keyun::http
