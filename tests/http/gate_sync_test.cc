// Offline gates (`keyun gate`'s parts, issue 4 item 4): two gates sync from a real node (fake
// clock; SQLite and PostgreSQL), lose the network, admit vouchers from their own data and
// journal them; a refund made meanwhile at a window reaches a gate at its next sync; the
// journals pushed back are applied once, and a ticket admitted at both gates is reported as a
// conflict.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "checkin/gate_journal.h"
#include "checkin/gate_verifier.h"
#include "http/gate_client.h"
#include "demo_node_test.h"
#include "http/node.h"
#include "support/test_data.h"

namespace keyun::http {
namespace {

using nlohmann::json;
using testing::TestEngine;

class GateSyncTest : public DemoNodeTest {
 protected:
  void SetUp() override {
    clock_.Set(core::Instant::FromShanghai(*core::LocalDate::Parse("2026-11-23"),
                                           *core::TimeOfDay::Parse("05:00")));
    StartNode(/*fake_clock=*/true);
    if (HasFatalFailure()) return;
    char tmpl[] = "/tmp/keyun-gate-sync-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // Two tickets on a run of tomorrow leaving the demo gate account's station (370102001).
  void SellTwo() {
    for (int i = 0; i < 2; ++i) {
      SellTicket("370102001", 50 + i);
      if (HasFatalFailure()) return;
      tickets_.push_back(ticket_);
      auto voucher = client_->Get(("/api/v1/tickets/" + ticket_ + "/voucher").c_str(),
                                Holder(node_->sales().GetTicket(ticket_)->order_id));
      ASSERT_TRUE(voucher);
      ASSERT_EQ(voucher->status, 200);
      vouchers_.push_back(voucher->body);
    }
  }

  // A gate as `keyun gate` builds one from a feed.
  std::unique_ptr<checkin::GateVerifier> GateFrom(const GateFeed& feed) {
    eticket::VoucherVerifier trust;
    for (const auto& [id, key] : feed.keys) EXPECT_TRUE(trust.AddKeyHex(id, key));
    auto gate = checkin::GateVerifier::Create(
        {.station = *core::StationCode::Parse(feed.station)}, std::move(trust));
    EXPECT_TRUE(gate);
    auto manifest = checkin::BoardingManifest::Build(*core::StationCode::Parse(feed.station),
                                                     feed.tickets);
    EXPECT_TRUE(manifest) << manifest.error().ToString();
    EXPECT_TRUE((*gate)->ReplaceManifest(std::move(*manifest)));
    EXPECT_TRUE((*gate)->ApplyRevocations(feed.revocations));
    (*gate)->ApplyCheckins(feed.checkins);
    return std::move(*gate);
  }

  std::string dir_;
  std::vector<std::string> tickets_, vouchers_;
};

TEST_P(GateSyncTest, OfflineGatesJournalSyncRevocationsAndReportConflicts) {
  SellTwo();
  ASSERT_EQ(vouchers_.size(), 2u);
  clock_.Set(run_->run.departs_at - std::chrono::minutes(30));

  GateClient node("127.0.0.1", port_);
  auto wrong = node.Login("gate", "not-the-password");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::kUnauthenticated);
  ASSERT_TRUE(node.Login("gate", "keyun-demo"));
  auto feed = node.FetchFeed("370102001", std::chrono::hours(6), 0);
  ASSERT_TRUE(feed) << feed.error().ToString();
  EXPECT_EQ(feed->tickets.size(), 2u);
  EXPECT_FALSE(feed->keys.empty());
  auto foreign = node.FetchFeed("370103001", std::chrono::hours(6), 0);
  ASSERT_FALSE(foreign) << "a gate account syncs its own station only";

  // Kept on the gate's disk for a restart without the network, minus the ID hash key.
  ASSERT_TRUE(SaveGateFeed(*feed, dir_ + "/gate3.feed"));
  auto saved = LoadGateFeed(dir_ + "/gate3.feed");
  ASSERT_TRUE(saved) << saved.error().ToString();
  ASSERT_TRUE(*saved);
  EXPECT_FALSE((*saved)->id_hash_key_known) << "personal-data key material stays in memory";
  EXPECT_EQ((*saved)->tickets, feed->tickets);
  EXPECT_EQ((*saved)->keys, feed->keys);
  auto none = LoadGateFeed(dir_ + "/no-such.feed");
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);

  // The network goes down. Each gate works from what it synced and journals what it admits;
  // gate 3 restarted meanwhile, from its saved feed.
  auto gate3 = GateFrom(**saved);
  auto gate5 = GateFrom(*feed);
  auto journal3 = checkin::GateJournal::Open(dir_ + "/gate3.journal");
  auto journal5 = checkin::GateJournal::Open(dir_ + "/gate5.journal");
  ASSERT_TRUE(journal3 && journal5);
  checkin::GateContext at3{.gate_id = "3", .operator_id = "gate", .now = clock_.Now()};
  checkin::GateContext at5{.gate_id = "5", .operator_id = "gate",
                           .now = clock_.Now() + std::chrono::minutes(1)};
  auto admitted3 = gate3->CheckVoucher(vouchers_[0], at3);
  ASSERT_TRUE(admitted3.accepted());
  ASSERT_TRUE((*journal3)->Append(admitted3.admission().record));
  auto admitted5 = gate5->CheckVoucher(vouchers_[0], at5);  // apart, gate 5 cannot know
  ASSERT_TRUE(admitted5.accepted());
  ASSERT_TRUE((*journal5)->Append(admitted5.admission().record));
  EXPECT_FALSE(gate3->CheckVoucher(vouchers_[0], at3).accepted()) << "once per gate, offline";

  // Meanwhile the second ticket is refunded at the station's window, through the API.
  httplib::Headers refund_headers = Bearer(Login("clerk"));
  refund_headers.emplace("Idempotency-Key", "gate-sync-refund");
  auto refund = client_->Post(("/api/v1/tickets/" + tickets_[1] + "/refund").c_str(),
                              refund_headers, "{}", "application/json");
  ASSERT_TRUE(refund);
  ASSERT_EQ(refund->status, 200) << refund->body;
  EXPECT_EQ(Body(refund)["status"], "refunded");

  // The network is back: gate 3 syncs and refuses the refunded voucher.
  auto update = node.FetchFeed("370102001", std::chrono::hours(6), gate3->revocation_sequence());
  ASSERT_TRUE(update) << update.error().ToString();
  ASSERT_EQ(update->revocations.size(), 1u);
  ASSERT_TRUE(gate3->ApplyRevocations(update->revocations));
  auto refused = gate3->CheckVoucher(vouchers_[1], at5);
  ASSERT_FALSE(refused.accepted());
  EXPECT_EQ(refused.refusal().reason, checkin::RefusalReason::kRefunded);

  // Journals pushed: gate 3's applies; a retried push is a duplicate; gate 5's is a conflict.
  auto pushed3 = node.PushJournal((*journal3)->records());
  ASSERT_TRUE(pushed3) << pushed3.error().ToString();
  EXPECT_EQ(pushed3->applied, 1);
  EXPECT_TRUE(pushed3->conflicts.empty());
  auto again = node.PushJournal((*journal3)->records());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->applied, 0);
  EXPECT_EQ(again->duplicates, 1);
  auto pushed5 = node.PushJournal((*journal5)->records());
  ASSERT_TRUE(pushed5);
  EXPECT_EQ(pushed5->applied, 0);
  ASSERT_EQ(pushed5->conflicts.size(), 1u);
  EXPECT_EQ(pushed5->conflicts[0].first.gate_id, "3");
  EXPECT_EQ(pushed5->conflicts[0].again.gate_id, "5");
  ASSERT_TRUE((*journal3)->MarkPushed((*journal3)->records().size()));

  // The node knows: gate 5's next sync carries gate 3's check-in; online check-in refuses.
  auto later = node.FetchFeed("370102001", std::chrono::hours(6), 0);
  ASSERT_TRUE(later);
  ASSERT_EQ(later->checkins.size(), 1u);
  EXPECT_EQ(later->checkins[0].gate_id, "3");
  auto manifest = node_->checkins().Manifest(run_->run.id.str(),
                                             *core::StationCode::Parse("370102001"));
  ASSERT_TRUE(manifest) << manifest.error().ToString();
  EXPECT_EQ(manifest->checked_in.size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Engines, GateSyncTest,
                         ::testing::Values(TestEngine::kSqlite, TestEngine::kPostgres),
                         [](const auto& info) { return testing::TestEngineName(info.param); });

}  // namespace
}  // namespace keyun::http
