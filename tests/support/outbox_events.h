// The outbox as a shipper would see it: every appended event numbered (store::SequenceEvents),
// then read in sequence order, optionally only one kind.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <string_view>
#include <thread>
#include <vector>

#include "store/outbox.h"

namespace keyun::testing {

// Numbers events until none is pending and returns how many it numbered. On PostgreSQL a
// transaction of another test's database on the shared server may hold the oldest running
// transaction back for a moment, so it tries again for up to 10 s.
inline int SequenceAllEvents(store::Store& store) {
  int numbered = 0;
  for (int attempt = 0; attempt < 1000; ++attempt) {
    auto n = store::SequenceEvents(store);
    if (!n) {
      ADD_FAILURE() << "SequenceEvents: " << n.error().ToString();
      return numbered;
    }
    numbered += *n;
    auto left = store.Transact<store::Row>(
        [](store::Transaction& tx) { return tx.QueryOne("SELECT COUNT(*) FROM outbox_pending"); },
        {.read_only = true});
    if (left && left->Int(0) == 0) return numbered;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ADD_FAILURE() << "outbox events stayed pending for 10 s";
  return numbered;
}

// Every event numbered, then read in sequence order; only `kind` unless it is empty.
inline std::vector<store::OutboxEvent> OutboxEvents(store::Store& store,
                                                    std::string_view kind = {}) {
  SequenceAllEvents(store);
  auto events = store.Transact<std::vector<store::OutboxEvent>>(
      [](store::Transaction& tx) { return store::ReadEvents(tx, 0, 100000); },
      {.read_only = true});
  if (!events) {
    ADD_FAILURE() << "ReadEvents: " << events.error().ToString();
    return {};
  }
  if (kind.empty()) return *events;
  std::vector<store::OutboxEvent> out;
  for (auto& e : *events) {
    if (e.kind == kind) out.push_back(std::move(e));
  }
  return out;
}

}  // namespace keyun::testing
