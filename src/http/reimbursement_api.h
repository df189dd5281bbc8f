// The reimbursement ticket (报销凭证) over HTTP, for the station window and the self-service
// machine (docs/api.md "Reimbursement tickets"):
//   POST /api/v1/tickets/{number}/reimbursement  + Idempotency-Key → application/pdf
//        staff (clerk or station manager): printed at their station's window;
//        no session: a self-service machine, {station, id_type, id_number} required;
//        a reprint adds {supervisor: {username, password}} of a station manager.
//   POST /api/v1/tickets/lookup {id_type, id_number} → the holder's tickets to collect (取票)
#pragma once

#include "http/server.h"
#include "http/sessions.h"
#include "network/network_service.h"
#include "sales/reimbursement_tickets.h"

namespace keyun::http {

void AddReimbursementApi(Router& router, sales::ReimbursementTickets& prints,
                         network::NetworkService& network, Sessions& sessions);

}  // namespace keyun::http
