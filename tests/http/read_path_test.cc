// The read path from memory (docs/performance.md): run search and seat availability answer
// from the catalogue and the runs' inventories, and stay exact after sales and status changes,
// on SQLite and a real PostgreSQL server.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>

#include "demo_node_test.h"
#include "http/json_body.h"
#include "http/node.h"
#include "support/test_data.h"

namespace keyun::http {
namespace {

using nlohmann::json;
using testing::TestEngine;

class ReadPathTest : public DemoNodeTest {
 protected:
  void SetUp() override {
    clock_.Set(core::Instant::FromShanghai(*core::LocalDate::Parse("2026-11-23"),
                                           *core::TimeOfDay::Parse("05:00")));
    StartNode(/*fake_clock=*/true);
    if (HasFatalFailure()) return;
    auto runs = node_->network().ListRuns(clock_.Now().ShanghaiDate().AddDays(1));
    ASSERT_TRUE(runs);
    ASSERT_FALSE(runs->empty());
    run_ = runs->front();
    auto route = node_->network().GetRoute(run_->run.route_code);
    ASSERT_TRUE(route);
    route_ = *route;
    from_ = route_->stops.front().station.str();
    to_ = route_->stops.back().station.str();
  }

  json Availability(const std::string& query) {
    auto res = client_->Get(
        ("/api/v1/runs/" + run_->run.id.str() + "/availability?" + query).c_str());
    EXPECT_TRUE(res);
    return res ? json::parse(res->body) : json();
  }
  json Availability() { return Availability("from=" + from_ + "&to=" + to_); }

  // The run's offer in a search for its whole trip; null if the search does not list it.
  json Offer() {
    auto res = client_->Get(("/api/v1/runs?from=" + from_ + "&to=" + to_ +
                             "&date=" + run_->run.date().ToString())
                                .c_str());
    EXPECT_TRUE(res);
    EXPECT_EQ(res->status, 200) << res->body;
    json found = json::parse(res->body);
    for (const json& item : found["items"]) {
      if (item["run_id"] == run_->run.id.str()) return item;
    }
    return nullptr;
  }

  std::string from_, to_;
};

TEST_P(ReadPathTest, AvailabilityAndSearchDropASeatWithEverySale) {
  json before = Availability();
  ASSERT_EQ(before["status"], "open") << before.dump();
  int seats = before["seats_left"];
  ASSERT_GT(seats, 2);
  EXPECT_EQ(before["seats"], run_->run.seats);
  EXPECT_EQ(before["by_channel"]["mobile"]["on_sale"], true);
  EXPECT_EQ(before["by_fare_type"]["adult"]["seats_left"], seats);
  EXPECT_EQ(Offer()["seats_left"], seats);

  for (int serial = 1; serial <= 2; ++serial) {
    ASSERT_TRUE(SellAndPay(*run_, *route_, serial));
    json after = Availability();
    EXPECT_EQ(after["seats_left"], seats - serial) << after.dump();
    EXPECT_EQ(after["by_channel"]["window"]["seats_left"], seats - serial);
    EXPECT_EQ(Offer()["seats_left"], seats - serial);
  }
  // The seats left agree with the store's own count of the run's occupied seats.
  auto stored = node_->sales().StoredOccupancy(run_->run.id.str());
  ASSERT_TRUE(stored);
  EXPECT_EQ(static_cast<int>(stored->size()), 2);
}

TEST_P(ReadPathTest, AStoppedRunLeavesSearchAndIsNotOnSale) {
  ASSERT_FALSE(Offer().is_null());
  ASSERT_TRUE(node_->network().SetRunStatus(run_->run.id, network::RunStatus::kStopped));
  EXPECT_TRUE(Offer().is_null());
  json stopped = Availability();
  EXPECT_EQ(stopped["status"], "stopped");
  EXPECT_EQ(stopped["by_channel"]["window"]["on_sale"], false);
  EXPECT_EQ(stopped["seats_left"], 0);
  // Reinstated, it sells again at once: the run's image heard the change.
  ASSERT_TRUE(node_->network().SetRunStatus(run_->run.id, network::RunStatus::kOpen));
  EXPECT_FALSE(Offer().is_null());
  EXPECT_EQ(Availability()["status"], "open");
  EXPECT_TRUE(SellAndPay(*run_, *route_, 7));
}

TEST_P(ReadPathTest, ADepartureReportedByTheGateStopsSales) {
  ASSERT_FALSE(Offer().is_null());
  node_->network().NoteRunStatusChanged(run_->run.id, network::RunStatus::kDeparted);
  EXPECT_EQ(Availability()["status"], "departed");
  auto order = node_->sales().CreateOrder(sales::OrderRequest{
      .run_id = run_->run.id.str(), .from = from_, .to = to_,
      .channel = sales::Channel::kMobile,
      .passengers = {{.name = "欧阳娜", .id_type = "resident_id",
                      .id_number = testing::TestResidentId(3),
                      .fare_type = sales::FareType::kAdult, .seat = std::nullopt}},
      .idempotency_key = "after-departure", .seller = {}});
  ASSERT_FALSE(order);
  EXPECT_EQ(order.error().code, ErrorCode::kFailedPrecondition);
}

TEST_P(ReadPathTest, BadAvailabilityQuestionsGetClearErrors) {
  json missing = Availability("from=" + from_);
  EXPECT_EQ(missing["error"]["field"], "to");
  json backwards = Availability("from=" + to_ + "&to=" + from_);
  EXPECT_EQ(backwards["error"]["code"], "invalid_argument");
  EXPECT_EQ(backwards["error"]["field"], "to");
  json not_a_station = Availability("from=37&to=" + to_);
  EXPECT_EQ(not_a_station["error"]["field"], "from");
  json bad_channel = Availability("from=" + from_ + "&to=" + to_ + "&channel=fax");
  EXPECT_EQ(bad_channel["error"]["field"], "channel");

  auto unknown = client_->Get(("/api/v1/runs/" + run_->run.station().str() + "-" +
                               run_->run.date().ToString().substr(0, 4) +
                               "1231-K9999/availability?from=" + from_ + "&to=" + to_)
                                  .c_str());
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404) << unknown->body;
  auto malformed = client_->Get(("/api/v1/runs/nope/availability?from=" + from_ + "&to=" + to_)
                                    .c_str());
  ASSERT_TRUE(malformed);
  EXPECT_EQ(malformed->status, 400);
  // In Chinese by default.
  httplib::Client chinese("127.0.0.1", port_);
  auto zh = chinese.Get(("/api/v1/runs/" + run_->run.id.str() + "/availability?from=" + to_ +
                         "&to=" + from_)
                            .c_str());
  ASSERT_TRUE(zh);
  EXPECT_NE(json::parse(zh->body)["error"]["message"].get<std::string>().find("到达站"),
            std::string::npos);
}

TEST_P(ReadPathTest, HealthzFromMemoryReadyzFromTheStore) {
  for (const char* path : {"/healthz", "/readyz"}) {
    auto res = client_->Get(path);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << path;
    EXPECT_EQ(json::parse(res->body)["engine"], testing::TestEngineName(GetParam()));
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, ReadPathTest,
                         ::testing::Values(TestEngine::kSqlite, TestEngine::kPostgres),
                         [](const auto& info) { return testing::TestEngineName(info.param); });

TEST(JsonWriterTest, WritesWhatAParserReadsBack) {
  JsonWriter w;
  w.BeginObject()
      .Field("name", std::string_view("引号\"反斜杠\\换行\n\x01"))
      .Field("n", -42)
      .Field("yes", true);
  w.Key("list").BeginArray().Int(1).String("二").BeginObject().EndObject().EndArray();
  w.Key("empty").BeginArray().EndArray().EndObject();
  std::string text = w.Take();
  json parsed = json::parse(text);
  EXPECT_EQ(parsed["name"], "引号\"反斜杠\\换行\n\x01");
  EXPECT_EQ(parsed["n"], -42);
  EXPECT_EQ(parsed["yes"], true);
  EXPECT_EQ(parsed["list"].dump(), R"([1,"二",{}])");
  EXPECT_TRUE(parsed["empty"].empty());
}

}  // namespace
}  // namespace keyun::http
