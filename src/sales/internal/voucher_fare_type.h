// sales::FareType as the voucher and the printed tickets name it (eticket::FareType). Private
// to sales.
#pragma once

#include "eticket/voucher.h"
#include "sales/sales_service.h"

namespace keyun::sales::internal {

[[nodiscard]] inline eticket::FareType ToVoucherFareType(FareType type) {
  switch (type) {
    case FareType::kAdult: return eticket::FareType::kAdult;
    case FareType::kChild: return eticket::FareType::kChild;
    case FareType::kFreeChild: return eticket::FareType::kFreeChild;
    case FareType::kDiscount: return eticket::FareType::kDiscount;
  }
  return eticket::FareType::kAdult;
}

}  // namespace keyun::sales::internal
