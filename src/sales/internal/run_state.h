// The in-memory image of one run (SalesService::RunState), shared by the sales part's .cc files
// (sales, changes). Private to sales/.
#pragma once

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
      : run(std::move(r)), route(std::move(ro)), fares(std::move(f)), inventory(std::move(i)) {}

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
