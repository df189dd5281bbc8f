// Online sales survive a restart of the node (issue 13, item 4): a payment started before the
// restart and approved after it issues its order, payments of both lives never share a
// provider trade number, and a store refusal (a unique key) reaches the client as a clear
// message in Chinese and English, never as the database engine's own words. On a SQLite file
// and a real PostgreSQL server, the node started in-process as `keyun serve` starts it.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>

#include "http/demo_node_test.h"
#include "http/node.h"
#include "support/test_data.h"
#include "support/test_tools.h"

namespace keyun::http {
namespace {

using nlohmann::json;

enum class Engine { kSqliteFile, kPostgres };

class RestartTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    if (GetParam() == Engine::kPostgres) {
      auto url = testing::FreshDatabase(testing::TestEngine::kPostgres);
      ASSERT_TRUE(url) << url.error().message;
      db_ = *url;
    } else {
      char tmpl[] = "/tmp/keyun-restart-XXXXXX";
      dir_ = mkdtemp(tmpl);
      db_ = dir_ + "/keyun.db";
    }
    Open();
  }
  void TearDown() override {
    client_.reset();
    node_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // A node on db_, as `keyun serve --db` opens one (demo seeding is idempotent).
  void Open() {
    // The PostgreSQL node's key file is the same across restarts, as a real node's is.
    NodeOptions options = DemoTestNodeOptions(db_, GetParam() == Engine::kPostgres, key_dir_.path());
    options.expiry_interval = std::chrono::milliseconds(0);
    auto node = Node::Open(options);
    ASSERT_TRUE(node) << node.error().ToString();
    node_ = std::move(*node);
    auto port = node_->Start();
    ASSERT_TRUE(port) << port.error().ToString();
    client_ = std::make_unique<httplib::Client>("127.0.0.1", *port);
    client_->set_read_timeout(30, 0);
  }

  // Stops the node and starts a new one on the same database: a new sandbox wallet too, which
  // has forgotten its payments and numbers as a process killed with -9 would.
  void Restart() {
    client_.reset();
    node_.reset();
    Open();
  }

  // A held mobile order of one adult on tomorrow's first run, its route's whole trip.
  std::string Hold(int serial) {
    auto runs = node_->network().ListRuns(node_->network().clock().Now().ShanghaiDate().AddDays(1));
    EXPECT_TRUE(runs && !runs->empty());
    if (!runs || runs->empty()) return {};
    const network::RunSummary& run = runs->front();
    auto route = node_->network().GetRoute(run.run.route_code);
    EXPECT_TRUE(route);
    if (!route) return {};
    auto order = node_->sales().CreateOrder(sales::OrderRequest{
        .run_id = run.run.id.str(),
        .from = route->stops.front().station.str(),
        .to = route->stops.back().station.str(),
        .channel = sales::Channel::kMobile,
        .passengers = {{.name = "欧阳娜", .id_type = "resident_id",
                        .id_number = testing::TestResidentId(serial),
                        .fare_type = sales::FareType::kAdult, .seat = std::nullopt}},
        .idempotency_key = "restart-" + std::to_string(serial),
        .seller = {}});
    EXPECT_TRUE(order) << order.error().ToString();
    return order ? order->order_id : std::string();
  }

  // POST /orders/{id}/pay with the sandbox, as the phone does (the key is the order's, so a
  // repeated call is the same request). Returns the payment id.
  std::string StartPayment(const std::string& order_id) {
    httplib::Headers headers{{"X-Access-Token", node_->sales().OrderAccessToken(order_id)},
                             {"Idempotency-Key", "pay-" + order_id}};
    auto started = client_->Post(("/api/v1/orders/" + order_id + "/pay").c_str(), headers,
                                 R"({"method":"sandbox"})", "application/json");
    EXPECT_TRUE(started);
    if (!started) return {};
    EXPECT_EQ(started->status, 202) << started->body;
    if (started->status != 202) return {};
    return json::parse(started->body)["payment"]["payment_id"];
  }

  // The passenger approves in the wallet; waits until the node acknowledged the notification.
  void ApproveAndAwait(const std::string& payment_id) {
    const std::string wallet = "/api/v1/sandbox/wallet/" + payment_id;
    auto approved = client_->Post((wallet + "/approve").c_str(), "", "application/json");
    ASSERT_TRUE(approved);
    ASSERT_EQ(approved->status, 202) << approved->body;
    std::string status;
    for (int i = 0; i < 400; ++i) {
      auto res = client_->Get(wallet.c_str());
      ASSERT_TRUE(res);
      status = json::parse(res->body)["status"];
      if (status == "notified") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    EXPECT_EQ(status, "notified") << "the node never acknowledged " << payment_id;
  }

  std::string OrderStatus(const std::string& order_id) {
    auto res = client_->Get(("/api/v1/orders/" + order_id).c_str(),
                            {{"X-Access-Token", node_->sales().OrderAccessToken(order_id)}});
    EXPECT_TRUE(res);
    if (!res) return {};
    EXPECT_EQ(res->status, 200) << res->body;
    return json::parse(res->body)["status"];
  }

  // Every payment's (status, trade_no), trade_no "" when none.
  std::vector<std::pair<std::string, std::string>> Payments() {
    auto rows = node_->store().Transact<store::Rows>(
        [](store::Transaction& tx) {
          return tx.Query(std::string("SELECT status, trade_no FROM payments ORDER BY created_at"),
                          {});
        },
        {.read_only = true});
    EXPECT_TRUE(rows) << rows.error().ToString();
    std::vector<std::pair<std::string, std::string>> out;
    for (const store::Row& row : rows.value_or(store::Rows{})) {
      out.emplace_back(row.Text(0), row.OptionalText(1).value_or(""));
    }
    return out;
  }

  std::string db_;
  std::string dir_;  // the SQLite file's, removed at the end
  testing::TempDir key_dir_;  // the PostgreSQL node's key file
  std::unique_ptr<Node> node_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_P(RestartTest, PaymentsBeforeAndAfterARestartIssueAndNeverShareATradeNumber) {
  std::string before = Hold(1);
  ASSERT_NO_FATAL_FAILURE(ApproveAndAwait(StartPayment(before)));
  EXPECT_EQ(OrderStatus(before), "issued");
  // Paid but not yet approved in the wallet when the node goes down.
  std::string pending = Hold(2);
  std::string pending_payment = StartPayment(pending);
  ASSERT_FALSE(pending_payment.empty());

  ASSERT_NO_FATAL_FAILURE(Restart());
  EXPECT_EQ(OrderStatus(pending), "held");
  // The phone asks again: the node's pending payment is registered with the new wallet.
  EXPECT_EQ(StartPayment(pending), pending_payment) << "one payment per order, not a second";
  ASSERT_NO_FATAL_FAILURE(ApproveAndAwait(pending_payment));
  EXPECT_EQ(OrderStatus(pending), "issued");
  std::string after = Hold(3);
  ASSERT_NO_FATAL_FAILURE(ApproveAndAwait(StartPayment(after)));
  EXPECT_EQ(OrderStatus(after), "issued");

  // And once more, so the second life's numbers meet a third's.
  ASSERT_NO_FATAL_FAILURE(Restart());
  std::string third = Hold(4);
  ASSERT_NO_FATAL_FAILURE(ApproveAndAwait(StartPayment(third)));
  EXPECT_EQ(OrderStatus(third), "issued");

  std::set<std::string> trades;
  auto payments = Payments();
  ASSERT_EQ(payments.size(), 4u);
  for (const auto& [status, trade] : payments) {
    EXPECT_EQ(status, "paid");
    EXPECT_FALSE(trade.empty());
    EXPECT_TRUE(trades.insert(trade).second) << "trade number " << trade << " given twice";
  }
}

TEST_P(RestartTest, AStoreRefusalReachesTheClientWithoutTheEngineText) {
  std::string paid = Hold(1);
  ASSERT_NO_FATAL_FAILURE(ApproveAndAwait(StartPayment(paid)));
  std::string used_trade = Payments().at(0).second;
  ASSERT_FALSE(used_trade.empty());
  std::string pending = Hold(2);
  std::string payment = StartPayment(pending);
  ASSERT_FALSE(payment.empty());
  auto order = node_->sales().GetOrder(pending);
  ASSERT_TRUE(order);

  // A genuinely signed notification that pays this order with a trade number already used:
  // what a provider numbering from 1 again after a restart sends. payments.trade_no is UNIQUE.
  std::string body = node_->sandbox().SignedBody(
      {{"notify_id", "N-DUPLICATE"},
       {"payment_id", payment},
       {"order_id", pending},
       {"amount_fen", std::to_string(order->amount.fen())},
       {"trade_no", used_trade},
       {"trade_status", "TRADE_SUCCESS"},
       {"paid_at", node_->network().clock().Now().ToIso8601()}});
  for (const char* language : {"zh-CN", "en"}) {
    SCOPED_TRACE(language);
    auto res = client_->Post("/api/v1/payments/sandbox/notify", {{"Accept-Language", language}},
                             body, "application/x-www-form-urlencoded");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 409) << res->body;
    for (const char* engine_word :
         {"UNIQUE", "constraint", "duplicate key", "violates", "trade_no", "payments_",
          "payments."}) {
      EXPECT_EQ(res->body.find(engine_word), std::string::npos)
          << "the engine's text reached the client: " << res->body;
    }
    json error = json::parse(res->body)["error"];
    EXPECT_EQ(error["code"], "already_exists");
    EXPECT_NE(error["message_en"].get<std::string>().find("already in use"), std::string::npos)
        << error;
    if (std::string(language) == "en") {
      EXPECT_EQ(error["message"], error["message_en"]);
    } else {
      EXPECT_NE(error["message"].get<std::string>().find("已被使用"), std::string::npos) << error;
    }
  }
  EXPECT_EQ(OrderStatus(pending), "held") << "nothing was saved";
}

INSTANTIATE_TEST_SUITE_P(Engines, RestartTest,
                         ::testing::Values(Engine::kSqliteFile, Engine::kPostgres),
                         [](const ::testing::TestParamInfo<Engine>& info) {
                           return info.param == Engine::kSqliteFile ? "sqlite" : "postgresql";
                         });

}  // namespace
}  // namespace keyun::http
