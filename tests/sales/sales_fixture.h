// The fixture of the sales tests: a demo province seeded on SQLite or a real PostgreSQL server,
// a fake clock at 2026-11-23 05:00 Shanghai, and a run of tomorrow with intermediate stops.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "network/demo_province.h"
#include "sales/sales_service.h"
#include "sales/sandbox_payment.h"
#include "support/test_data.h"

namespace keyun::sales {

class SalesTest : public ::testing::TestWithParam<testing::TestEngine> {
 protected:
  void SetUp() override {
    auto db = testing::FreshDatabase(GetParam());
    ASSERT_TRUE(db) << db.error().message;
    auto store = store::Store::Open(*db);
    ASSERT_TRUE(store) << store.error().ToString();
    store_ = std::move(*store);
    // 2026-11-23 05:00 in Shanghai: before the day's first departures.
    clock_.Set(core::Instant::FromShanghai(*core::LocalDate::Parse("2026-11-23"),
                                           *core::TimeOfDay::Parse("05:00")));
    network_ = std::make_unique<network::NetworkService>(
        *store_, clock_,
        network::NetworkService::Options{.password_cost = core::PasswordCost::kFastForTests});
    auto demo = network::SeedDemoProvince(*network_, {.days = 2});
    ASSERT_TRUE(demo) << demo.error().ToString();
    auto keys = LoadOrCreatePersonalDataKeys(*store_, *key_file_);
    ASSERT_TRUE(keys) << keys.error().ToString();
    sales_ = std::make_unique<SalesService>(*store_, *network_, clock_, SalesPolicy{}, *keys);

    // A run of tomorrow on a route with intermediate stops, and its first and last stops.
    auto runs = network_->ListRuns(clock_.Now().ShanghaiDate().AddDays(1));
    ASSERT_TRUE(runs);
    for (const auto& r : *runs) {
      auto route = network_->GetRoute(r.run.route_code);
      ASSERT_TRUE(route);
      if (route->stops.size() >= 4) {
        run_ = r;
        route_ = *route;
        break;
      }
    }
    ASSERT_TRUE(run_.has_value()) << "the demo has a route with intermediate stops";
  }

  OrderRequest Request(std::vector<PassengerInput> passengers, std::string key, int from = 0,
                       int to = -1) {
    if (to < 0) to = static_cast<int>(route_->stops.size()) - 1;
    return OrderRequest{.run_id = run_->run.id.str(),
                        .from = route_->stops[from].station.str(),
                        .to = route_->stops[to].station.str(),
                        .channel = Channel::kMobile,
                        .passengers = std::move(passengers),
                        .idempotency_key = std::move(key),
                        .seller = {}};
  }

  static PassengerInput Adult(int serial) {
    return PassengerInput{.name = "张三" + testing::ChineseDigits(serial), .id_type = "resident_id",
                          .id_number = testing::TestResidentId(serial), .fare_type = FareType::kAdult,
                          .seat = std::nullopt};
  }

  // A sandbox wallet wired straight into sales_ (the node posts over HTTP; see tests/http):
  // each payment and refund notification is applied as it is delivered, after `seen` (if
  // given) is told of it (`refund` true for a refund notification). Fast: 1 ms to notify.
  std::unique_ptr<SandboxPaymentProvider> ConnectedSandbox(
      std::function<void(bool refund, const std::string& body)> seen = {}) {
    auto sandbox = std::make_unique<SandboxPaymentProvider>(
        clock_, SandboxPaymentProvider::Options{.delay = std::chrono::milliseconds(1),
                                                .backoff = std::chrono::milliseconds(5),
                                                .max_attempts = 4});
    sales_->AddPaymentProvider(*sandbox);
    sandbox->SetDelivery([this, seen](const std::string& body) -> Result<void> {
      if (seen) seen(false, body);
      auto applied = sales_->ApplyPaymentNotification("sandbox", body);
      if (!applied) return tl::unexpected(applied.error());
      return {};
    });
    sandbox->SetRefundDelivery([this, seen](const std::string& body) -> Result<void> {
      if (seen) seen(true, body);
      auto applied = sales_->ApplyRefundNotification("sandbox", body);
      if (!applied) return tl::unexpected(applied.error());
      return {};
    });
    return sandbox;
  }

  core::FakeClock clock_;
  // The node's secrets, in memory: the store holds none of them (docs/keys.md).
  std::unique_ptr<store::KeyFile> key_file_ = store::KeyFile::InMemory();
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<network::NetworkService> network_;
  std::unique_ptr<SalesService> sales_;
  std::optional<network::RunSummary> run_;  // set in SetUp
  std::optional<network::Route> route_;
};

}  // namespace keyun::sales
