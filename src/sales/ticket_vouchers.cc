#include "sales/ticket_vouchers.h"

#include "eticket/qr.h"
#include "eticket/voucher_codec.h"
#include "eticket/voucher_pdf.h"
#include "sales/internal/voucher_fare_type.h"

namespace keyun::sales {
namespace {

constexpr auto kValidAfterDeparture = std::chrono::hours(2);

}  // namespace

Result<eticket::VoucherPayload> TicketVouchers::Payload(const std::string& ticket_number) {
  auto ticket = sales_.GetTicket(ticket_number);
  if (!ticket) return Propagate(ticket);
  if (ticket->status != "issued" || !ticket->issued_at) {
    return FailedPrecondition("ticket " + ticket_number + " is " + ticket->status +
                              " and has no valid voucher");
  }
  auto number = core::TicketNumber::Parse(ticket->ticket_number);
  auto run = core::RunId::Parse(ticket->run_id);
  auto id_hash = eticket::ParseIdHashHex(ticket->id_hash);
  if (!number || !run || !id_hash) return Internal("ticket " + ticket_number + " is corrupt");
  auto signer = keys_.ActiveSigner();
  return eticket::VoucherPayload{.version = 1,
                                 .key_id = signer->key_id(),
                                 .ticket_number = *number,
                                 .run = *run,
                                 .boarding_stop = ticket->from_index,
                                 .boarding_station = ticket->from,
                                 .alighting_stop = ticket->to_index,
                                 .alighting_station = ticket->to,
                                 .seat = ticket->seat,
                                 .fare = ticket->fare,
                                 .fare_type = internal::ToVoucherFareType(ticket->fare_type),
                                 .passenger_name_masked = ticket->passenger_name_masked,
                                 .id_hash = *id_hash,
                                 .valid_from = *ticket->issued_at,
                                 .valid_until = ticket->departs_at + kValidAfterDeparture,
                                 .issued_at = *ticket->issued_at};
}

Result<std::pair<Ticket, std::string>> TicketVouchers::Signed(const std::string& ticket_number) {
  auto payload = Payload(ticket_number);
  if (!payload) return Propagate(payload);
  auto text = keys_.ActiveSigner()->Issue(*payload);
  if (!text) return Propagate(text);
  auto ticket = sales_.GetTicket(ticket_number);
  if (!ticket) return Propagate(ticket);
  return std::make_pair(std::move(*ticket), std::move(*text));
}

Result<std::string> TicketVouchers::Text(const std::string& ticket_number) {
  auto signed_voucher = Signed(ticket_number);
  if (!signed_voucher) return Propagate(signed_voucher);
  return signed_voucher->second;
}

Result<std::string> TicketVouchers::Svg(const std::string& ticket_number) {
  auto text = Text(ticket_number);
  if (!text) return text;
  return eticket::RenderQrSvg(*text);
}

Result<std::string> TicketVouchers::Png(const std::string& ticket_number) {
  auto text = Text(ticket_number);
  if (!text) return text;
  return eticket::RenderQrPng(*text);
}

Result<std::string> TicketVouchers::Pdf(const std::string& ticket_number) {
  auto signed_voucher = Signed(ticket_number);
  if (!signed_voucher) return Propagate(signed_voucher);
  const Ticket& t = signed_voucher->first;
  auto from = network_.GetStation(t.from);
  auto to = network_.GetStation(t.to);
  return eticket::RenderVoucherPdf(eticket::VoucherView{
      .ticket_number = *core::TicketNumber::Parse(t.ticket_number),
      .run = *core::RunId::Parse(t.run_id),
      .from_station_name = from ? from->name : t.from.str(),
      .from_station = t.from,
      .to_station_name = to ? to->name : t.to.str(),
      .to_station = t.to,
      .departs_at = t.departs_at,
      .seat = t.seat,
      .fare_type = internal::ToVoucherFareType(t.fare_type),
      .fare = t.fare,
      .passenger_name_masked = t.passenger_name_masked,
      .id_number_masked = t.id_masked,
      .issued_at = *t.issued_at,
      .voucher_text = signed_voucher->second});
}

}  // namespace keyun::sales
