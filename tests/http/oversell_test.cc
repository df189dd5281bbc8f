// It cannot oversell: 64 concurrent buyers hammer one run through the HTTP API with
// overlapping segments, random cancellations and payments; then the store is checked.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "core/ids.h"
#include "http/demo_node_test.h"
#include "http/node.h"
#include "support/test_data.h"
#include "support/test_tools.h"

namespace keyun::http {
namespace {

using nlohmann::json;

enum class Engine { kSqliteFile, kPostgres };

class OversellTest : public ::testing::TestWithParam<Engine> {};

TEST_P(OversellTest, SixtyFourConcurrentBuyersNeverOversell) {
  std::string db;
  std::string dir;
  if (GetParam() == Engine::kPostgres) {
    auto url = testing::FreshDatabase(testing::TestEngine::kPostgres);
    ASSERT_TRUE(url) << url.error().message;
    db = *url;
  } else {
    char tmpl[] = "/tmp/keyun-oversell-XXXXXX";
    dir = mkdtemp(tmpl);
    db = dir + "/keyun.db";
  }
  testing::TempDir key_dir;
  NodeOptions options = DemoTestNodeOptions(db, GetParam() == Engine::kPostgres, key_dir.path());
  options.server.threads = 4;
  options.expiry_interval = std::chrono::milliseconds(0);
  auto node = Node::Open(options);
  ASSERT_TRUE(node) << node.error().ToString();
  auto port = (*node)->Start();
  ASSERT_TRUE(port);

  // Tomorrow's run with the most stops: many overlapping segments.
  auto& network = (*node)->network();
  auto runs = network.ListRuns(network.clock().Now().ShanghaiDate().AddDays(1));
  ASSERT_TRUE(runs);
  std::optional<network::RunSummary> run;
  std::optional<network::Route> route;
  for (const auto& r : *runs) {
    auto candidate = network.GetRoute(r.run.route_code);
    ASSERT_TRUE(candidate);
    if (!route || candidate->stops.size() > route->stops.size()) {
      route = *candidate;
      run = r;
    }
  }
  ASSERT_TRUE(run);
  const int stops = static_cast<int>(route->stops.size());
  ASSERT_GE(stops, 4);

  constexpr int kBuyers = 64;
  constexpr int kAttemptsEach = 12;
  std::mutex mu;
  std::map<std::string, json> kept;  // order id → order the client believes it holds
  std::atomic<int> sold{0}, refused{0}, cancelled{0}, errors{0};
  std::vector<std::thread> buyers;
  for (int b = 0; b < kBuyers; ++b) {
    buyers.emplace_back([&, b] {
      httplib::Client client("127.0.0.1", *port);
      client.set_read_timeout(30, 0);
      std::mt19937 rng(1000 + b);
      for (int a = 0; a < kAttemptsEach; ++a) {
        int from = static_cast<int>(rng() % (stops - 1));
        int to = from + 1 + static_cast<int>(rng() % (stops - 1 - from));
        int serial = b * 100 + a;
        json body = {{"run_id", run->run.id.str()},
                     {"from", route->stops[from].station.str()},
                     {"to", route->stops[to].station.str()},
                     {"channel", "mobile"},
                     {"passengers",
                      {{{"name", "乘客" + testing::ChineseDigits(serial)},
                        {"id_type", "resident_id"},
                        {"id_number", testing::TestResidentId(serial)},
                        {"fare_type", "adult"}}}}};
        httplib::Headers headers = {{"Idempotency-Key", "buyer-" + std::to_string(serial)}};
        auto res = client.Post("/api/v1/orders", headers, body.dump(), "application/json");
        if (!res) {
          ++errors;
          continue;
        }
        if (res->status == 409) {
          ++refused;
          continue;
        }
        if (res->status != 201) {
          ++errors;
          ADD_FAILURE() << res->status << " " << res->body;
          continue;
        }
        json order = json::parse(res->body);
        ++sold;
        switch (rng() % 4) {
          case 0: {  // change of mind
            auto c = client.Post(("/api/v1/orders/" + order["order_id"].get<std::string>() +
                                  "/cancel").c_str(),
                                 {{"X-Access-Token", order["access_token"].get<std::string>()}},
                                 "", "application/json");
            if (c && c->status == 200) {
              ++cancelled;
              continue;
            }
            ++errors;
            break;
          }
          case 1: {  // pays online: the sandbox's notification issues it a little later
            std::string id = order["order_id"];
            auto p = client.Post(("/api/v1/orders/" + id + "/pay").c_str(),
                                 {{"Idempotency-Key", "pay-" + id},
                                  {"X-Access-Token", order["access_token"].get<std::string>()}},
                                 R"({"method":"sandbox"})",
                                 "application/json");
            if (!p || p->status != 202) {
              ++errors;
              break;
            }
            std::string payment = json::parse(p->body)["payment"]["payment_id"];
            auto a = client.Post(("/api/v1/sandbox/wallet/" + payment + "/approve").c_str(), "",
                                 "application/json");
            if (!a || a->status != 202) {
              ++errors;
              break;
            }
            order["status"] = "issued";  // once the notification is applied
            break;
          }
          default:
            break;
        }
        std::lock_guard lock(mu);
        kept[order["order_id"]] = order;
      }
    });
  }
  for (auto& t : buyers) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_GT(sold.load(), 0);
  EXPECT_GT(refused.load(), 0) << "the run should have sold out on some segments";

  // Every approved payment's notification reaches the node and issues its order.
  for (int i = 0; i < 300 && (*node)->sandbox().delivered() < (*node)->sandbox().attempts(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (int i = 0; i < 300; ++i) {
    bool all_issued = true;
    for (const auto& [id, order] : kept) {
      auto stored = (*node)->sales().GetOrder(id);
      if (order["status"] == "issued" && stored && stored->status != sales::OrderStatus::kIssued) {
        all_issued = false;
      }
    }
    if (all_issued) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }

  // From the store: no seat segment twice, and exactly the orders the clients kept.
  auto occupancy = (*node)->sales().StoredOccupancy(run->run.id.str());
  ASSERT_TRUE(occupancy);
  std::set<std::pair<int, int>> taken;  // (seat, segment)
  for (const auto& o : *occupancy) {
    for (int s = o.from; s < o.to; ++s) {
      EXPECT_TRUE(taken.insert({o.seat, s}).second) << "seat " << o.seat << " segment " << s
                                                    << " sold twice";
    }
  }
  EXPECT_EQ(occupancy->size(), kept.size());
  for (const auto& [id, order] : kept) {
    auto stored = (*node)->sales().GetOrder(id);
    ASSERT_TRUE(stored) << id;
    EXPECT_EQ(std::string(sales::OrderStatusKey(stored->status)), order["status"].get<std::string>());
    EXPECT_EQ(stored->tickets.at(0).seat, order["tickets"][0]["seat"].get<int>());
  }
  EXPECT_EQ(static_cast<int>(kept.size()), sold.load() - cancelled.load());
  (*node)->Stop();
  if (!dir.empty()) std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Engines, OversellTest,
                         ::testing::Values(Engine::kSqliteFile, Engine::kPostgres),
                         [](const auto& info) {
                           return info.param == Engine::kSqliteFile ? "sqlite" : "postgresql";
                         });

}  // namespace
}  // namespace keyun::http
