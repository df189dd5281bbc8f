// The HTTP handlers of ticket sales (sales/): run search, orders, payment, tickets.
// Bodies and examples: docs/api.md.
#pragma once

#include "http/server.h"
#include "http/sessions.h"
#include "eticket/issuer_keys.h"
#include "sales/sales_service.h"
#include "sales/sandbox_payment.h"
#include "sales/ticket_vouchers.h"

namespace keyun::http {

//   GET  /api/v1/runs?from=&to=&date=&channel=
//   POST /api/v1/orders                      (Idempotency-Key header required)
//   GET  /api/v1/orders/{id}
//   POST /api/v1/orders/{id}/pay             {"method": "cash"|"card"} → 200, issued
//                                            {"method": "sandbox"} → 202 with the payment
//   POST /api/v1/payments/{provider}/notify  a provider's signed notification (form body)
//   POST /api/v1/orders/{id}/cancel
//   GET  /api/v1/tickets/{number}
// Window and kiosk sales and cash/card payment need a staff session; mobile and platform
// orders do not.
void AddSalesApi(Router& router, sales::SalesService& sales, Sessions& sessions);

// The sandbox provider's own "wallet app", served by the node for the demo and tests:
//   GET  /api/v1/sandbox/wallet/{payment_id}          {"status": "pending"|"approved"|…}
//   POST /api/v1/sandbox/wallet/{payment_id}/approve  the passenger approves → 202
void AddSandboxWalletApi(Router& router, sales::SandboxPaymentProvider& sandbox);

//   GET /api/v1/tickets/{number}/voucher          the Base45 voucher text (text/plain)
//   GET /api/v1/tickets/{number}/voucher.svg|png|pdf
//   GET /api/v1/keys                              issuer public keys for offline verification
void AddVoucherApi(Router& router, sales::TicketVouchers& vouchers,
                   const eticket::IssuerKeyStore& keys);

}  // namespace keyun::http
