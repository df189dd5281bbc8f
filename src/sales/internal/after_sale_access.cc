#include "sales/internal/after_sale_access.h"

#include <fmt/format.h>

namespace keyun::sales::internal {

Result<void> CheckAfterSaleAccess(const AfterSaleCaller& caller, const TicketSale& sale) {
  const std::string action(caller.action);
  const std::string boarding = sale.boarding->str();
  if (caller.channel == Channel::kWindow || caller.channel == Channel::kKiosk) {
    const Seller& staff = *caller.staff;
    if (staff.staff_username.empty()) {
      return PermissionDenied(action + "s at a window or kiosk need a staff session; log in first");
    }
    if (staff.province_wide) return {};
    if (!staff.station) {
      return PermissionDenied("your account has no station, so it cannot " + action +
                              " at a window");
    }
    const std::string here = staff.station->str();
    if (*staff.station == *sale.boarding) return {};
    bool sold_here = (sale.channel == "window" || sale.channel == "kiosk") &&
                     *sale.seller_station && **sale.seller_station == here;
    if (sold_here) return {};
    return PermissionDenied(fmt::format(
        "this ticket boards at station {} and was not sold at station {}; {} it at a window "
        "of {} or on the channel that sold it ({})",
        boarding, here, action, boarding, sale.channel));
  }
  if (caller.operator_cause) {
    return PermissionDenied(
        "only station staff may refund for a stopped, delayed or missed run; ask at a window");
  }
  if (sale.channel != ChannelKey(caller.channel)) {
    return PermissionDenied(fmt::format(
        "this ticket was sold on the {} channel; {} it there or at a window of its boarding "
        "station {}",
        sale.channel, action, boarding));
  }
  if (caller.order_id.empty()) {
    return InvalidArgument("give the order id the ticket was bought with", "order_id");
  }
  if (caller.order_id != sale.order_id) {
    return PermissionDenied("ticket " + std::string(caller.ticket_number) + " is not in order " +
                            std::string(caller.order_id));
  }
  return {};
}

}  // namespace keyun::sales::internal
