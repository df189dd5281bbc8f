// Check-in over HTTP (docs/api.md, "Check-in (检票)"): a real Node with a fake clock on SQLite and
// a real PostgreSQL server; a ticket sold and paid in cash, checked in by its voucher at a gate,
// refused the second time with when and where; the manifest; departure refused without a safety
// check, then accepted; revocations; who may do what.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "core/signing_key.h"
#include "demo_node_test.h"
#include "http/node.h"
#include "support/test_data.h"

namespace keyun::http {
namespace {

using nlohmann::json;
using testing::TestEngine;

class CheckinApiTest : public DemoNodeTest {
 protected:
  void SetUp() override {
    clock_.Set(core::Instant::FromShanghai(*core::LocalDate::Parse("2026-11-23"),
                                           *core::TimeOfDay::Parse("05:00")));
    StartNode(/*fake_clock=*/true);
  }

};

TEST_P(CheckinApiTest, QrCheckInManifestAndDeparture) {
  std::string gate = Login("gate");
  std::string station = Body(client_->Get("/api/v1/session", Bearer(gate)))["station"];
  SellTicket(station);
  ASSERT_FALSE(ticket_.empty());
  const std::string run = run_->run.id.str();
  auto voucher = client_->Get(("/api/v1/tickets/" + ticket_ + "/voucher").c_str(),
                                Holder(node_->sales().GetTicket(ticket_)->order_id));
  ASSERT_TRUE(voucher);
  ASSERT_EQ(voucher->status, 200) << voucher->body;

  clock_.Set(run_->run.departs_at - std::chrono::minutes(30));
  gate = Login("gate");  // sessions last 12 h; the sale was the evening before
  json scan = {{"gate", "3"}, {"method", "qr_code"}, {"voucher", voucher->body}};
  auto first = client_->Post("/api/v1/checkins", Bearer(gate), scan.dump(), "application/json");
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 200) << first->body;
  EXPECT_EQ(Body(first)["accepted"], true);
  EXPECT_EQ(Body(first)["ticket_number"], ticket_);
  EXPECT_EQ(Body(first)["checkin"]["gate"], "3");
  EXPECT_EQ(Body(first)["fare_type"], "adult");

  scan["gate"] = "5";
  auto second = client_->Post("/api/v1/checkins", Bearer(gate), scan.dump(), "application/json");
  ASSERT_TRUE(second);
  ASSERT_EQ(second->status, 409) << second->body;
  json refusal = Body(second)["refusal"];
  EXPECT_EQ(refusal["reason"], "already_checked_in");
  EXPECT_EQ(refusal["earlier_checkin"]["gate"], "3");
  EXPECT_EQ(Body(second)["error"]["code"], "failed_precondition");

  // A clerk may not check passengers in; a gate operator may not register face terminals.
  std::string clerk = Login("clerk");
  auto by_clerk = client_->Post("/api/v1/checkins", Bearer(clerk), scan.dump(), "application/json");
  ASSERT_TRUE(by_clerk);
  EXPECT_EQ(by_clerk->status, 403);
  json device = {{"device_id", "face-1"},
                 {"public_key", core::SigningKey::Generate().PublicKeyHex()}};
  auto by_gate = client_->Post("/api/v1/gate-devices", Bearer(gate), device.dump(),
                               "application/json");
  ASSERT_TRUE(by_gate);
  EXPECT_EQ(by_gate->status, 403);
  auto by_manager = client_->Post("/api/v1/gate-devices", Bearer(Login("manager")),
                                  device.dump(), "application/json");
  ASSERT_TRUE(by_manager);
  EXPECT_EQ(by_manager->status, 201) << by_manager->body;

  auto manifest = client_->Get(("/api/v1/runs/" + run + "/manifest").c_str(), Bearer(gate));
  ASSERT_TRUE(manifest);
  ASSERT_EQ(manifest->status, 200) << manifest->body;
  ASSERT_EQ(Body(manifest)["checked_in"].size(), 1u);

  // The carrier's dispatcher sees its own runs' manifests, and no other carrier's.
  std::string dispatcher = Login("dispatcher");
  const std::string carrier =
      Body(client_->Get("/api/v1/session", Bearer(dispatcher)))["carrier"];
  auto tomorrow = node_->network().ListRuns(run_->run.date());
  ASSERT_TRUE(tomorrow);
  std::optional<std::string> own, other;
  for (const auto& r : *tomorrow) (r.run.carrier.str() == carrier ? own : other) = r.run.id.str();
  ASSERT_TRUE(own && other) << "the demo has runs of the dispatcher's carrier " << carrier
                              << " and of others (" << tomorrow->size() << " runs)";
  auto mine = client_->Get(("/api/v1/runs/" + *own + "/manifest").c_str(), Bearer(dispatcher));
  ASSERT_TRUE(mine);
  EXPECT_EQ(mine->status, 200) << mine->body;
  EXPECT_EQ(Body(mine)["carrier"], carrier);
  auto theirs =
      client_->Get(("/api/v1/runs/" + *other + "/manifest").c_str(), Bearer(dispatcher));
  ASSERT_TRUE(theirs);
  EXPECT_EQ(theirs->status, 403) << theirs->body;
  EXPECT_EQ(Body(manifest)["checked_in"][0]["ticket_number"], ticket_);

  auto refused = client_->Post(("/api/v1/runs/" + run + "/depart").c_str(), Bearer(gate), "",
                               "application/json");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 409) << refused->body;

  auto vehicles = node_->network().ListVehicles(run_->run.carrier);
  ASSERT_TRUE(vehicles);
  std::string plate;
  for (const auto& v : *vehicles) {
    if (v.seats >= run_->run.seats) plate = v.plate;
  }
  json crew = {{"vehicle_plate", plate}, {"driver_name", "王强"},
               {"driver_licence", "370102198001011234"}, {"documents_ok", true}};
  auto crewed = client_->Post(("/api/v1/runs/" + run + "/crew").c_str(), Bearer(gate),
                              crew.dump(), "application/json");
  ASSERT_TRUE(crewed);
  ASSERT_EQ(crewed->status, 200) << crewed->body;
  auto no_safety = client_->Post(("/api/v1/runs/" + run + "/depart").c_str(), Bearer(gate), "",
                                 "application/json");
  ASSERT_TRUE(no_safety);
  EXPECT_EQ(no_safety->status, 409);
  EXPECT_NE(Body(no_safety)["error"]["message"].get<std::string>().find("safety"),
            std::string::npos);
  auto safety = client_->Post(("/api/v1/runs/" + run + "/safety-check").c_str(), Bearer(gate),
                              R"({"passed": true, "inspector": "zhao.lei"})", "application/json");
  ASSERT_TRUE(safety);
  ASSERT_EQ(safety->status, 200) << safety->body;
  auto recorded = client_->Get(("/api/v1/runs/" + run + "/operations").c_str(), Bearer(gate));
  ASSERT_TRUE(recorded);
  ASSERT_EQ(recorded->status, 200) << recorded->body;
  EXPECT_EQ(Body(recorded)["safety_check"]["inspector"], "zhao.lei");
  EXPECT_TRUE(Body(recorded)["departed_at"].is_null());
  // 30 minutes before the scheduled time: refused until confirmed with a reason, in Chinese
  // for a page that asks for it.
  httplib::Headers zh = {{"Authorization", "Bearer " + gate}, {"Accept-Language", "zh-CN"}};
  auto early = client_->Post(("/api/v1/runs/" + run + "/depart").c_str(), zh, "",
                             "application/json");
  ASSERT_TRUE(early);
  EXPECT_EQ(early->status, 409) << early->body;
  EXPECT_EQ(Body(early)["error"]["field"], "confirm_early");
  EXPECT_NE(Body(early)["error"]["message"].get<std::string>().find("还有 30 分钟"),
            std::string::npos)
      << early->body;
  auto unexplained = client_->Post(("/api/v1/runs/" + run + "/depart").c_str(), Bearer(gate),
                                   R"({"confirm_early": true, "early_reason": " "})",
                                   "application/json");
  ASSERT_TRUE(unexplained);
  EXPECT_EQ(unexplained->status, 400) << unexplained->body;
  EXPECT_EQ(Body(unexplained)["error"]["field"], "early_reason");
  auto typo = client_->Post(("/api/v1/runs/" + run + "/depart").c_str(), Bearer(gate),
                            R"({"confirm": true})", "application/json");
  ASSERT_TRUE(typo);
  EXPECT_EQ(typo->status, 400) << "an unknown field is refused, not ignored: " << typo->body;

  // At the scheduled time the run leaves with nothing to explain.
  clock_.Set(run_->run.departs_at);
  auto left = client_->Post(("/api/v1/runs/" + run + "/depart").c_str(), Bearer(gate), "",
                            "application/json");
  ASSERT_TRUE(left);
  ASSERT_EQ(left->status, 200) << left->body;
  EXPECT_EQ(Body(left)["boarded"], 1);
  EXPECT_FALSE(Body(left)["departed_at"].is_null());
  EXPECT_TRUE(Body(left)["early_reason"].is_null());

  auto revocations = client_->Get("/api/v1/revocations?since=0", Bearer(gate));
  ASSERT_TRUE(revocations);
  ASSERT_EQ(revocations->status, 200) << revocations->body;
  EXPECT_TRUE(Body(revocations)["items"].empty());
  auto unauthenticated = client_->Get("/api/v1/revocations?since=0");
  ASSERT_TRUE(unauthenticated);
  EXPECT_EQ(unauthenticated->status, 401);
}

TEST_P(CheckinApiTest, StationManagerSetsTheCheckinWindowAndGatesSyncIt) {
  std::string gate = Login("gate");
  std::string manager = Login("manager");
  std::string station = Body(client_->Get("/api/v1/session", Bearer(gate)))["station"];
  const std::string path = "/api/v1/stations/" + station + "/checkin-window";

  auto initial = client_->Get(path.c_str(), Bearer(gate));
  ASSERT_TRUE(initial);
  ASSERT_EQ(initial->status, 200) << initial->body;
  EXPECT_EQ(Body(initial)["opens_before_minutes"], 40);
  EXPECT_EQ(Body(initial)["closes_before_minutes"], 2);

  json hour = {{"opens_before_minutes", 60}, {"closes_before_minutes", 5}};
  auto by_gate = client_->Put(path.c_str(), Bearer(gate), hour.dump(), "application/json");
  ASSERT_TRUE(by_gate);
  EXPECT_EQ(by_gate->status, 403) << by_gate->body;
  json inverted = {{"opens_before_minutes", 5}, {"closes_before_minutes", 10}};
  auto bad = client_->Put(path.c_str(), Bearer(manager), inverted.dump(), "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400) << bad->body;
  auto half = client_->Put(path.c_str(), Bearer(manager), json{{"opens_before_minutes", 60}}.dump(),
                           "application/json");
  ASSERT_TRUE(half);
  EXPECT_EQ(half->status, 400) << half->body;
  EXPECT_EQ(Body(half)["error"]["field"], "closes_before_minutes");
  auto other = client_->Put("/api/v1/stations/370102999/checkin-window", Bearer(manager),
                            hour.dump(), "application/json");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 403) << other->body;

  auto set = client_->Put(path.c_str(), Bearer(manager), hour.dump(), "application/json");
  ASSERT_TRUE(set);
  ASSERT_EQ(set->status, 200) << set->body;
  EXPECT_EQ(Body(set)["opens_before_minutes"], 60);
  auto feed = client_->Get("/api/v1/gate-feed?hours=1", Bearer(gate));
  ASSERT_TRUE(feed);
  ASSERT_EQ(feed->status, 200) << feed->body;
  EXPECT_EQ(Body(feed)["checkin_window"],
            (json{{"opens_before_minutes", 60}, {"closes_before_minutes", 5}}));

  auto reset = client_->Put(path.c_str(), Bearer(manager), "{}", "application/json");
  ASSERT_TRUE(reset);
  ASSERT_EQ(reset->status, 200) << reset->body;
  EXPECT_EQ(Body(reset)["opens_before_minutes"], 40);
}

TEST_P(CheckinApiTest, FaceTerminalMessagesAndSwipes) {
  std::string gate = Login("gate");
  std::string station = Body(client_->Get("/api/v1/session", Bearer(gate)))["station"];
  SellTicket(station);
  ASSERT_FALSE(ticket_.empty());
  clock_.Set(run_->run.departs_at - std::chrono::minutes(20));
  gate = Login("gate");
  core::SigningKey key = core::SigningKey::Generate();
  auto registered = client_->Post(
      "/api/v1/gate-devices", Bearer(Login("manager")),
      json{{"device_id", "face-1"}, {"public_key", key.PublicKeyHex()}}.dump(),
      "application/json");
  ASSERT_TRUE(registered);
  ASSERT_EQ(registered->status, 201) << registered->body;

  checkin::FaceVerification face{.device_id = "face-1",
                                 .id_type = "resident_id",
                                 .id_number = testing::TestResidentId(1),
                                 .score = 0.5,
                                 .liveness = true,
                                 .nonce = "nonce-http-low",
                                 .timestamp = clock_.Now(),
                                 .signature = ""};
  auto post = [&](const checkin::FaceVerification& f) {
    json body = {{"gate", "4"},
                 {"method", "face"},
                 {"face",
                  {{"device_id", f.device_id}, {"id_type", f.id_type},
                   {"id_number", f.id_number}, {"score", f.score}, {"liveness", f.liveness},
                   {"nonce", f.nonce}, {"timestamp", f.timestamp.ToIso8601()},
                   {"signature", key.SignHex(checkin::FaceMessageText(f))}}}};
    return client_->Post("/api/v1/checkins", Bearer(gate), body.dump(), "application/json");
  };
  auto low = post(face);
  ASSERT_TRUE(low);
  EXPECT_EQ(low->status, 409) << low->body;
  EXPECT_EQ(Body(low)["refusal"]["reason"], "face_not_verified");

  face.score = 0.93;
  face.nonce = "nonce-http-good";
  auto good = post(face);
  ASSERT_TRUE(good);
  ASSERT_EQ(good->status, 200) << good->body;
  EXPECT_EQ(Body(good)["checkin"]["method"], "face");
  auto replay = post(face);
  ASSERT_TRUE(replay);
  EXPECT_EQ(replay->status, 409);
  EXPECT_EQ(Body(replay)["error"]["field"], "face.nonce");

  // The card of the same passenger: already checked in, by face, at gate 4.
  auto swipe = client_->Post(
      "/api/v1/checkins", Bearer(gate),
      json{{"gate", "2"}, {"method", "id_card"}, {"id_number", testing::TestResidentId(1)}}.dump(),
      "application/json");
  ASSERT_TRUE(swipe);
  ASSERT_EQ(swipe->status, 409) << swipe->body;
  EXPECT_EQ(Body(swipe)["refusal"]["reason"], "already_checked_in");
  EXPECT_EQ(Body(swipe)["refusal"]["earlier_checkin"]["method"], "face");
  EXPECT_EQ(Body(swipe)["refusal"]["earlier_checkin"]["gate"], "4");

  auto typo = client_->Post("/api/v1/checkins", Bearer(gate),
                            R"({"gate": "2", "method": "qr_code", "vocher": "KY1:"})",
                            "application/json");
  ASSERT_TRUE(typo);
  EXPECT_EQ(typo->status, 400);
}

INSTANTIATE_TEST_SUITE_P(Engines, CheckinApiTest,
                         ::testing::Values(TestEngine::kSqlite, TestEngine::kPostgres),
                         [](const auto& info) { return testing::TestEngineName(info.param); });

}  // namespace
}  // namespace keyun::http
