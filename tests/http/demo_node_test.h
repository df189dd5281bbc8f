// The fixture of the HTTP tests: a real Node with the demo province (2 days of runs) on SQLite
// or a real PostgreSQL server, serving on a free port, and an HTTP client for it.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "http/node.h"
#include "support/test_data.h"
#include "support/test_tools.h"

namespace keyun::http {

// The options of a test node on `db` with the demo province (2 days of runs, on sale) and fast
// password hashing; a PostgreSQL node keeps its key file in `key_dir`, since PostgreSQL keeps
// no secrets.
inline NodeOptions DemoTestNodeOptions(std::string db, bool postgres,
                                       const std::filesystem::path& key_dir) {
  NodeOptions options;
  options.db = std::move(db);
  if (postgres) options.key_file = (key_dir / "node.keys").string();
  options.server = {.port = 0};
  options.demo = true;
  options.demo_options.days = 2;
  options.presale_days = 2;
  options.password_cost = core::PasswordCost::kFastForTests;
  return options;
}

class DemoNodeTest : public ::testing::TestWithParam<testing::TestEngine> {
 protected:
  // Opens and starts the node. With `fake_clock` it runs on clock_ (set it first) and nothing
  // runs by itself: the test moves time and expires holds; otherwise on the system clock.
  void StartNode(bool fake_clock = false) {
    auto db = testing::FreshDatabase(GetParam());
    ASSERT_TRUE(db) << db.error().message;
    NodeOptions options = DemoTestNodeOptions(
        *db, GetParam() == testing::TestEngine::kPostgres, key_dir_.path());
    if (fake_clock) {
      options.clock = &clock_;
      options.expiry_interval = std::chrono::milliseconds(0);
    }
    auto node = Node::Open(options);
    ASSERT_TRUE(node) << node.error().ToString();
    node_ = std::move(*node);
    auto port = node_->Start();
    ASSERT_TRUE(port) << port.error().ToString();
    port_ = *port;
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    // English messages, which the tests assert; without the header a node answers in Chinese.
    client_->set_default_headers({{"Accept-Language", "en"}});
  }

  // One adult ticket on `run`, its route's whole trip, sold (mobile) to the passenger
  // TestResidentId(serial) and paid in cash: the paid order, or nullopt (a failure added).
  std::optional<sales::Order> SellAndPay(const network::RunSummary& run,
                                         const network::Route& route, int serial) {
    auto order = node_->sales().CreateOrder(sales::OrderRequest{
        .run_id = run.run.id.str(),
        .from = route.stops.front().station.str(),
        .to = route.stops.back().station.str(),
        .channel = sales::Channel::kMobile,
        .passengers = {{.name = "欧阳娜", .id_type = "resident_id",
                        .id_number = testing::TestResidentId(serial),
                        .fare_type = sales::FareType::kAdult, .seat = std::nullopt}},
        .idempotency_key = "sell-" + std::to_string(serial),
        .seller = {}});
    if (!order) {
      ADD_FAILURE() << order.error().ToString();
      return std::nullopt;
    }
    auto paid = node_->sales().Pay(order->order_id, sales::PaymentMethod::kCash);
    if (!paid) {
      ADD_FAILURE() << paid.error().ToString();
      return std::nullopt;
    }
    return std::move(*paid);
  }

  // A run of tomorrow leaving `station`, a ticket on it sold by SellAndPay. Sets run_ and
  // ticket_.
  void SellTicket(const std::string& station, int serial = 1) {
    auto runs = node_->network().ListRuns(clock_.Now().ShanghaiDate().AddDays(1));
    ASSERT_TRUE(runs);
    for (const auto& r : *runs) {
      if (r.run.station().str() != station) continue;
      auto route = node_->network().GetRoute(r.run.route_code);
      ASSERT_TRUE(route);
      auto paid = SellAndPay(r, *route, serial);
      ASSERT_TRUE(paid);
      run_ = r;
      ticket_ = paid->tickets.at(0).ticket_number;
      return;
    }
    FAIL() << "no run of tomorrow leaves " << station;
  }

  // Two open runs of tomorrow leaving `station` on one route with one vehicle class, by
  // departure: what a change (改签) may move between. Sets run1_, run2_ and route_; skips the
  // test if the demo has none.
  void FindTwoRuns(const std::string& station) {
    auto runs = node_->network().ListRuns(clock_.Now().ShanghaiDate().AddDays(1));
    ASSERT_TRUE(runs);
    std::map<std::pair<std::string, int>, std::vector<network::RunSummary>> groups;
    for (const auto& r : *runs) {
      if (r.run.station().str() != station || r.run.status != network::RunStatus::kOpen) continue;
      groups[{r.run.route_code, static_cast<int>(r.run.vehicle_class)}].push_back(r);
    }
    for (auto& [key, group] : groups) {
      if (group.size() < 2) continue;
      std::sort(group.begin(), group.end(),
                [](const auto& a, const auto& b) { return a.run.departs_at < b.run.departs_at; });
      run1_ = group[0];
      run2_ = group[1];
      auto route = node_->network().GetRoute(key.first);
      ASSERT_TRUE(route);
      route_ = *route;
      return;
    }
    GTEST_SKIP() << "no route from " << station << " has two runs of one class tomorrow";
  }

  // A staff session token of a demo login (password keyun-demo).
  std::string Login(const std::string& username) {
    auto res = client_->Post(
        "/api/v1/session",
        nlohmann::json{{"username", username}, {"password", "keyun-demo"}}.dump(),
        "application/json");
    EXPECT_TRUE(res);
    EXPECT_EQ(res->status, 201) << res->body;
    return nlohmann::json::parse(res->body)["token"];
  }
  static httplib::Headers Bearer(const std::string& token) {
    return {{"Authorization", "Bearer " + token}};
  }
  // The access token of `order_id`, as POST /orders gave it to the buyer.
  std::string Token(const std::string& order_id) {
    return node_->sales().OrderAccessToken(order_id);
  }
  // The header that proves the buyer of `order_id` (its access token, as POST /orders gave it).
  httplib::Headers Holder(const std::string& order_id) {
    return {{"X-Access-Token", node_->sales().OrderAccessToken(order_id)}};
  }
  static nlohmann::json Body(const httplib::Result& res) {
    return nlohmann::json::parse(res->body);
  }

  // Pays a held order the way a phone does: start a sandbox payment, approve it in the
  // wallet, then wait until the node acknowledged the provider's notification (the wallet
  // shows "notified": the node answered after its commit and the in-memory seat changes that
  // follow it). Returns the order.
  nlohmann::json PayInSandbox(const std::string& order_id) {
    httplib::Headers headers = Holder(order_id);
    headers.emplace("Idempotency-Key", "pay-" + order_id);
    auto started = client_->Post(("/api/v1/orders/" + order_id + "/pay").c_str(), headers,
                                 R"({"method":"sandbox"})", "application/json");
    if (!started || started->status != 202) {
      ADD_FAILURE() << "starting the payment: " << (started ? started->body : "no answer");
      return {};
    }
    std::string payment = Body(started)["payment"]["payment_id"];
    auto approved = client_->Post(("/api/v1/sandbox/wallet/" + payment + "/approve").c_str(),
                                  "", "application/json");
    if (!approved || approved->status != 202) {
      ADD_FAILURE() << "approving: " << (approved ? approved->body : "no answer");
      return {};
    }
    const std::string wallet = "/api/v1/sandbox/wallet/" + payment;
    for (int i = 0; i < 200 && Body(client_->Get(wallet.c_str()))["status"] != "notified"; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return Body(client_->Get(("/api/v1/orders/" + order_id).c_str(), Holder(order_id)));
  }

  core::FakeClock clock_;  // before node_, which uses it until it is destroyed
  testing::TempDir key_dir_;  // the key file of a PostgreSQL node; outlives node_
  std::unique_ptr<Node> node_;
  std::uint16_t port_ = 0;
  std::unique_ptr<httplib::Client> client_;
  std::optional<network::RunSummary> run_;  // set by SellTicket
  std::string ticket_;                       // set by SellTicket
  std::optional<network::RunSummary> run1_, run2_;  // set by FindTwoRuns
  std::optional<network::Route> route_;             // set by FindTwoRuns
};

}  // namespace keyun::http
