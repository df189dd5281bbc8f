// The in-memory image of one run (SalesService::RunState), shared by the sales part's .cc files
// (sales, changes). Private to sales/.
#pragma once

#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/seat_inventory.h"
#include "network/master_data.h"
#include "sales/sales_service.h"

namespace keyun::sales {

// The in-memory image of one run: its seat inventory and who holds a seat, rebuilt from the
// store's active tickets on first use. Guarded by `mu`.
struct SalesService::RunState {
  RunState(network::Run r, network::Route ro, std::vector<network::Fare> f, core::SeatInventory i)
      : status(r.status),
        run(std::move(r)),
        route(std::move(ro)),
        fares(std::move(f)),
        inventory(std::move(i)) {}

  // The run's status as the store has it. Atomic, not under `mu`: the network part's listener
  // sets it after a status change committed elsewhere (a departure at the gate, a reinstated
  // run), and StopRun sets it while holding `mu` itself. run.status below is as loaded.
  std::atomic<network::RunStatus> status;
  std::mutex mu;
  network::Run run;
  network::Route route;
  std::vector<network::Fare> fares;
  core::SeatInventory inventory;
  std::set<std::string> id_hashes;  // of active tickets
  int free_children = 0;

  const network::Fare* FareFor(int from, int to) const {
    for (const auto& f : fares) {
      if (f.from_index == from && f.to_index == to) return &f;
    }
    return nullptr;
  }
};

}  // namespace keyun::sales
