// TicketVouchers: the e-ticket voucher (电子客票凭证) of an issued ticket, signed with the
// province's active issuer key, as text (Base45), QR (SVG, PNG) or a printable PDF.
//
//   TicketVouchers vouchers(sales, keys, network);
//   Result<std::string> text = vouchers.Text("37261123000000000017");   // "KY1:…"
//   Result<std::string> pdf = vouchers.Pdf("37261123000000000017");
//
// The voucher admits its holder from issue until two hours after departure (a delayed bus
// still boards); gates check the run, stop and check-in window themselves. Ed25519 signatures
// are deterministic, so a ticket's voucher text is the same every time it is fetched while the
// same key is active. Errors: kNotFound (no such ticket), kFailedPrecondition (not issued:
// held, released), kInvalidArgument (a malformed number). Thread-safe.
#pragma once

#include <string>

#include "core/result.h"
#include "eticket/issuer_keys.h"
#include "eticket/voucher.h"
#include "network/network_service.h"
#include "sales/sales_service.h"

namespace keyun::sales {

class TicketVouchers final {
 public:
  TicketVouchers(SalesService& sales, const eticket::IssuerKeyStore& keys,
                 network::NetworkService& network)
      : sales_(sales), keys_(keys), network_(network) {}

  [[nodiscard]] Result<eticket::VoucherPayload> Payload(const std::string& ticket_number);
  [[nodiscard]] Result<std::string> Text(const std::string& ticket_number);
  [[nodiscard]] Result<std::string> Svg(const std::string& ticket_number);
  [[nodiscard]] Result<std::string> Png(const std::string& ticket_number);
  [[nodiscard]] Result<std::string> Pdf(const std::string& ticket_number);

 private:
  Result<std::pair<Ticket, std::string>> Signed(const std::string& ticket_number);

  SalesService& sales_;
  const eticket::IssuerKeyStore& keys_;
  network::NetworkService& network_;
};

}  // namespace keyun::sales
