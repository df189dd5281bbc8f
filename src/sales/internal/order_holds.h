// Ending a held order (expired, cancelled, or a held change that could not complete): the one
// way seats held in the store are given back. Shared by sales_service.cc (expiry, cancel) and
// changes.cc (a held change that failed). Private to sales/.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "store/store.h"

namespace keyun::sales::internal {

// Sets a held order's status to `status` ("expired" or "cancelled"), releases its tickets
// (inactive) and frees their seat segments; a held change on it (change_holds) takes the same
// status unless it has one already. With `expired_by`, only an order whose hold ended by then.
// Returns (ticket_id, id_hash) of the released tickets, or nullopt if the order was no longer
// held (paid, cancelled or expired meanwhile): nothing was written then.
Result<std::optional<std::vector<std::pair<std::string, std::string>>>> EndHold(
    store::Transaction& tx, const std::string& order_id, std::string_view status,
    std::optional<core::Instant> expired_by);

}  // namespace keyun::sales::internal
