// CheckinService on SQLite and a real PostgreSQL server: tickets sold and paid in cash through
// SalesService, then checked in by QR, ID card swipe and face terminal; the check-in window's
// boundaries; crew check-in, safety check and departure; no-shows; revocations.
#include "checkin/checkin_service.h"
#include "eticket/revocations.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "core/signing_key.h"
#include "sales/sales_fixture.h"
#include "sales/ticket_vouchers.h"
#include "store/outbox.h"
#include "support/outbox_events.h"

namespace keyun::checkin {
namespace {

using sales::FareType;
using sales::PassengerInput;
using sales::PaymentMethod;
using testing::TestEngine;

class CheckinServiceTest : public sales::SalesTest {
 protected:
  void SetUp() override {
    sales::SalesTest::SetUp();
    if (HasFatalFailure()) return;
    auto keys = eticket::IssuerKeyStore::Open(*store_, *key_file_, *core::ProvinceCode::Parse("37"), clock_);
    ASSERT_TRUE(keys) << keys.error().ToString();
    issuer_keys_ = std::move(*keys);
    auto personal = sales::LoadOrCreatePersonalDataKeys(*store_, *key_file_);
    ASSERT_TRUE(personal);
    hasher_ = std::make_unique<core::KeyedHasher>(
        std::span<const std::uint8_t, 32>(personal->id_hash_key));
    vouchers_ = std::make_unique<sales::TicketVouchers>(*sales_, *issuer_keys_, *network_);
    checkins_ = std::make_unique<CheckinService>(*store_, *issuer_keys_, *hasher_, clock_);
    station_ = route_->stops[0].station;
    departs_ = run_->run.departs_at;
    clock_.Set(departs_ - std::chrono::hours(3));  // sell before the online cut-off
  }

  // Sells one adult ticket (cash at a window) and returns its number.
  std::string Sell(int serial) {
    auto order = sales_->CreateOrder(Request({Adult(serial)}, "key-" + std::to_string(serial)));
    EXPECT_TRUE(order) << order.error().ToString();
    if (!order) return "";
    auto paid = sales_->Pay(order->order_id, PaymentMethod::kCash);
    EXPECT_TRUE(paid) << paid.error().ToString();
    if (!paid) return "";
    return paid->tickets.at(0).ticket_number;
  }

  CheckinRequest Qr(const std::string& ticket, std::string gate = "3") {
    auto text = vouchers_->Text(ticket);
    EXPECT_TRUE(text) << text.error().ToString();
    return CheckinRequest{.station = station_, .gate = std::move(gate), .operator_id = "li.na",
                          .method = CheckinMethod::kQrCode, .voucher_text = text.value_or("")};
  }

  FaceVerification Face(const core::SigningKey& key, int serial, double score,
                        std::string nonce) {
    FaceVerification face{.device_id = "face-1",
                          .id_type = "resident_id",
                          .id_number = testing::TestResidentId(serial),
                          .score = score,
                          .liveness = true,
                          .nonce = std::move(nonce),
                          .timestamp = clock_.Now(),
                          .signature = ""};
    face.signature = key.SignHex(FaceMessageText(face));
    return face;
  }

  CheckinRequest FaceRequest(FaceVerification face) {
    return CheckinRequest{.station = station_, .gate = "4", .operator_id = "li.na",
                          .method = CheckinMethod::kFace, .face = std::move(face)};
  }

  std::unique_ptr<eticket::IssuerKeyStore> issuer_keys_;
  std::unique_ptr<core::KeyedHasher> hasher_;
  std::unique_ptr<sales::TicketVouchers> vouchers_;
  std::unique_ptr<CheckinService> checkins_;
  core::StationCode station_ = *core::StationCode::Parse("370102001");
  core::Instant departs_;
};

TEST_P(CheckinServiceTest, QrChecksInOnceThenRefusesWithWhenAndWhere) {
  std::string ticket = Sell(1);
  clock_.Set(departs_ - std::chrono::minutes(30));
  auto first = checkins_->CheckIn(Qr(ticket, "3"));
  ASSERT_TRUE(first) << first.error().ToString();
  ASSERT_TRUE(first->accepted()) << first->refusal().message_en;
  EXPECT_EQ(first->admission().ticket_number.str(), ticket);
  EXPECT_GT(first->admission().seat, 0);
  EXPECT_EQ(first->admission().record.gate_id, "3");

  clock_.Advance(std::chrono::minutes(1));
  auto second = checkins_->CheckIn(Qr(ticket, "5"));
  ASSERT_TRUE(second) << second.error().ToString();
  ASSERT_FALSE(second->accepted());
  EXPECT_EQ(second->reason(), RefusalReason::kAlreadyCheckedIn);
  ASSERT_TRUE(second->refusal().earlier_checkin.has_value());
  EXPECT_EQ(second->refusal().earlier_checkin->gate_id, "3");
  EXPECT_EQ(second->refusal().earlier_checkin->at, departs_ - std::chrono::minutes(30));
  EXPECT_NE(second->refusal().message_zh.find("3 号检票口"), std::string::npos)
      << second->refusal().message_zh;

  // Swiping the same passenger's card finds the ticket and refuses it the same way.
  auto swipe = checkins_->CheckIn(CheckinRequest{.station = station_, .gate = "6",
                                                 .operator_id = "li.na",
                                                 .method = CheckinMethod::kIdCard,
                                                 .id_number = testing::TestResidentId(1)});
  ASSERT_TRUE(swipe) << swipe.error().ToString();
  EXPECT_EQ(swipe->reason(), RefusalReason::kAlreadyCheckedIn);

  // The one admission left one `checked_in` event for the hub; the refusals left none.
  auto events = testing::OutboxEvents(*store_, "checked_in");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].subject, ticket);
  EXPECT_EQ(events[0].at, departs_ - std::chrono::minutes(30));
  const std::vector<std::pair<std::string, std::string>> fields = {
      {"ticket_number", ticket}, {"run_id", first->admission().record.run_id.str()},
      {"station", station_.str()}, {"gate", "3"}, {"operator", "li.na"},
      {"method", std::string(CheckinMethodName(CheckinMethod::kQrCode))}, {"source", "online"}};
  EXPECT_EQ(events[0].fields, fields);
}

TEST_P(CheckinServiceTest, SwipeFindsTheTicketByIdAndNoTicketOtherwise) {
  std::string ticket = Sell(2);
  clock_.Set(departs_ - std::chrono::minutes(20));
  auto swipe = checkins_->CheckIn(CheckinRequest{.station = station_, .gate = "2",
                                                 .operator_id = "li.na",
                                                 .method = CheckinMethod::kIdCard,
                                                 .id_number = testing::TestResidentId(2)});
  ASSERT_TRUE(swipe) << swipe.error().ToString();
  ASSERT_TRUE(swipe->accepted()) << swipe->refusal().message_en;
  EXPECT_EQ(swipe->admission().ticket_number.str(), ticket);
  EXPECT_EQ(swipe->admission().record.method, CheckinMethod::kIdCard);

  auto stranger = checkins_->CheckIn(CheckinRequest{.station = station_, .gate = "2",
                                                    .operator_id = "li.na",
                                                    .method = CheckinMethod::kIdCard,
                                                    .id_number = testing::TestResidentId(99)});
  ASSERT_TRUE(stranger) << stranger.error().ToString();
  EXPECT_EQ(stranger->reason(), RefusalReason::kNoTicket);

  auto bad = checkins_->CheckIn(CheckinRequest{.station = station_, .gate = "2",
                                               .operator_id = "li.na",
                                               .method = CheckinMethod::kIdCard,
                                               .id_number = "123"});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().field, "id_number");
}

TEST_P(CheckinServiceTest, FreeChildChecksInWithTheAdult) {
  PassengerInput child = Adult(21);
  child.fare_type = FareType::kFreeChild;
  auto order = sales_->CreateOrder(Request({Adult(20), child}, "family"));
  ASSERT_TRUE(order) << order.error().ToString();
  auto paid = sales_->Pay(order->order_id, PaymentMethod::kCash);
  ASSERT_TRUE(paid) << paid.error().ToString();
  std::string adult = paid->tickets.at(0).ticket_number;
  std::string kid = paid->tickets.at(1).ticket_number;
  clock_.Set(departs_ - std::chrono::minutes(25));

  auto alone = checkins_->CheckIn(Qr(kid));
  ASSERT_TRUE(alone) << alone.error().ToString();
  EXPECT_EQ(alone->reason(), RefusalReason::kFreeChildAlone);

  auto together = checkins_->CheckIn(Qr(adult));
  ASSERT_TRUE(together) << together.error().ToString();
  ASSERT_TRUE(together->accepted()) << together->refusal().message_en;
  ASSERT_EQ(together->admission().free_children.size(), 1u);
  EXPECT_EQ(together->admission().free_children[0].ticket_number.str(), kid);

  auto manifest = checkins_->Manifest(run_->run.id.str(), station_);
  ASSERT_TRUE(manifest);
  ASSERT_EQ(manifest->checked_in.size(), 2u);
  EXPECT_EQ(manifest->checked_in[1].attached_to, adult);  // seat 0 sorts last
  auto again = checkins_->CheckIn(Qr(kid));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->reason(), RefusalReason::kAlreadyCheckedIn);
}

TEST_P(CheckinServiceTest, GenuineVoucherOfAnUnknownTicketIsNotOnTheManifest) {
  std::string ticket = Sell(22);
  auto payload = vouchers_->Payload(ticket);
  ASSERT_TRUE(payload) << payload.error().ToString();
  auto stranger = core::TicketNumber::Make(*core::ProvinceCode::Parse("37"),
                                           clock_.Now().ShanghaiDate(), 99999);
  ASSERT_TRUE(stranger);
  payload->ticket_number = *stranger;
  auto text = issuer_keys_->ActiveSigner()->Issue(*payload);
  ASSERT_TRUE(text) << text.error().ToString();
  clock_.Set(departs_ - std::chrono::minutes(10));
  auto d = checkins_->CheckIn(CheckinRequest{.station = station_, .gate = "1",
                                             .operator_id = "li.na",
                                             .method = CheckinMethod::kQrCode,
                                             .voucher_text = *text});
  ASSERT_TRUE(d) << d.error().ToString();
  EXPECT_EQ(d->reason(), RefusalReason::kNotInManifest);

  auto damaged = checkins_->CheckIn(CheckinRequest{.station = station_, .gate = "1",
                                                   .operator_id = "li.na",
                                                   .method = CheckinMethod::kQrCode,
                                                   .voucher_text = "KY1:NOT-A-VOUCHER"});
  ASSERT_TRUE(damaged) << damaged.error().ToString();
  EXPECT_EQ(damaged->reason(), RefusalReason::kDamaged);
}

TEST_P(CheckinServiceTest, WindowBoundaries) {
  std::string early = Sell(3), opening = Sell(4), last = Sell(5), late = Sell(6);
  const auto us = std::chrono::microseconds(1);
  clock_.Set(departs_ - std::chrono::minutes(40) - us);
  auto too_early = checkins_->CheckIn(Qr(early));
  ASSERT_TRUE(too_early) << too_early.error().ToString();
  EXPECT_EQ(too_early->reason(), RefusalReason::kTooEarly);

  clock_.Set(departs_ - std::chrono::minutes(40));  // opens, inclusive
  auto opened = checkins_->CheckIn(Qr(opening));
  ASSERT_TRUE(opened);
  EXPECT_TRUE(opened->accepted()) << opened->refusal().message_en;

  clock_.Set(departs_ - std::chrono::minutes(2) - us);  // the last instant
  auto last_one = checkins_->CheckIn(Qr(last));
  ASSERT_TRUE(last_one);
  EXPECT_TRUE(last_one->accepted()) << last_one->refusal().message_en;

  clock_.Set(departs_ - std::chrono::minutes(2));  // closes, exclusive
  auto closed = checkins_->CheckIn(Qr(late));
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->reason(), RefusalReason::kCheckinClosed);

  clock_.Set(departs_);
  auto departed = checkins_->CheckIn(Qr(early));
  ASSERT_TRUE(departed);
  EXPECT_EQ(departed->reason(), RefusalReason::kDeparted);
}

TEST_P(CheckinServiceTest, StationWindowIsTheStationsSetting) {
  std::string ticket = Sell(14), late = Sell(15);
  auto defaults = checkins_->StationCheckinWindow(station_);
  ASSERT_TRUE(defaults) << defaults.error().ToString();
  EXPECT_EQ(defaults->opens_before, std::chrono::minutes(40));
  EXPECT_EQ(defaults->closes_before, std::chrono::minutes(2));

  clock_.Set(departs_ - std::chrono::minutes(55));
  auto early = checkins_->CheckIn(Qr(ticket));
  ASSERT_TRUE(early);
  EXPECT_EQ(early->reason(), RefusalReason::kTooEarly);

  // The station opens check-in an hour before and closes it 10 min before.
  auto set = checkins_->SetStationCheckinWindow(
      station_,
      CheckinWindow{.opens_before = std::chrono::minutes(60),
                    .closes_before = std::chrono::minutes(10)},
      "manager");
  ASSERT_TRUE(set) << set.error().ToString();
  EXPECT_EQ(set->opens_before, std::chrono::minutes(60));
  auto snapshot = checkins_->GateSnapshotFor(station_, std::chrono::hours(6), 0);
  ASSERT_TRUE(snapshot);
  EXPECT_EQ(snapshot->window.opens_before, std::chrono::minutes(60));
  EXPECT_EQ(snapshot->window.closes_before, std::chrono::minutes(10));

  auto admitted = checkins_->CheckIn(Qr(ticket));
  ASSERT_TRUE(admitted);
  EXPECT_TRUE(admitted->accepted()) << admitted->refusal().message_en;

  // Closed 10 min before: an unchecked passenger is a no-show on the manifest at 9 min.
  clock_.Set(departs_ - std::chrono::minutes(9));
  auto closed = checkins_->CheckIn(Qr(late));
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->reason(), RefusalReason::kCheckinClosed);
  auto manifest = checkins_->Manifest(run_->run.id.str(), station_);
  ASSERT_TRUE(manifest);
  ASSERT_EQ(manifest->no_show.size(), 1u);
  EXPECT_EQ(manifest->no_show[0].ticket_number, late);

  // Invalid windows are refused and change nothing; nullopt returns to the province's.
  auto inverted = checkins_->SetStationCheckinWindow(
      station_,
      CheckinWindow{.opens_before = std::chrono::minutes(5),
                    .closes_before = std::chrono::minutes(10)},
      "manager");
  ASSERT_FALSE(inverted);
  EXPECT_EQ(inverted.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(checkins_->StationCheckinWindow(station_)->closes_before, std::chrono::minutes(10));
  auto reset = checkins_->SetStationCheckinWindow(station_, std::nullopt, "manager");
  ASSERT_TRUE(reset) << reset.error().ToString();
  EXPECT_EQ(reset->opens_before, std::chrono::minutes(40));
  EXPECT_EQ(reset->closes_before, std::chrono::minutes(2));

  auto unknown = checkins_->SetStationCheckinWindow(*core::StationCode::Parse("370102999"),
                                                    CheckinWindow{}, "manager");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
}

TEST_P(CheckinServiceTest, FaceTerminalsAreVerified) {
  std::string ticket = Sell(7);
  Sell(8);
  core::SigningKey key = core::SigningKey::Generate();
  ASSERT_TRUE(checkins_->RegisterGateDevice("face-1", station_, key.PublicKeyHex(), "manager"));
  clock_.Set(departs_ - std::chrono::minutes(15));

  // Below the threshold: the manual lane.
  auto low = checkins_->CheckIn(FaceRequest(Face(key, 7, 0.62, "nonce-low-0001")));
  ASSERT_TRUE(low) << low.error().ToString();
  ASSERT_EQ(low->reason(), RefusalReason::kFaceNotVerified);
  EXPECT_EQ(low->refusal().message_zh, "人脸核验未通过（相似度 0.620 低于 0.800），请走人工通道");
  EXPECT_NE(low->refusal().message_en.find("manual lane"), std::string::npos);

  FaceVerification no_liveness = Face(key, 7, 0.95, "nonce-live-0001");
  no_liveness.liveness = false;
  no_liveness.signature = key.SignHex(FaceMessageText(no_liveness));
  auto dead = checkins_->CheckIn(FaceRequest(no_liveness));
  ASSERT_TRUE(dead) << dead.error().ToString();
  ASSERT_EQ(dead->reason(), RefusalReason::kFaceNotVerified);
  EXPECT_NE(dead->refusal().message_zh.find("活体检测失败"), std::string::npos);

  FaceVerification good = Face(key, 7, 0.912, "nonce-good-0001");
  auto accepted = checkins_->CheckIn(FaceRequest(good));
  ASSERT_TRUE(accepted) << accepted.error().ToString();
  ASSERT_TRUE(accepted->accepted()) << accepted->refusal().message_en;
  EXPECT_EQ(accepted->admission().ticket_number.str(), ticket);
  EXPECT_EQ(accepted->admission().record.method, CheckinMethod::kFace);

  auto replay = checkins_->CheckIn(FaceRequest(good));
  ASSERT_FALSE(replay);
  EXPECT_EQ(replay.error().code, ErrorCode::kAlreadyExists);

  // Altered after signing (another passenger's ID): the signature no longer matches.
  FaceVerification altered = Face(key, 7, 0.95, "nonce-alt-0001");
  altered.id_number = testing::TestResidentId(8);
  auto forged = checkins_->CheckIn(FaceRequest(altered));
  ASSERT_FALSE(forged);
  EXPECT_EQ(forged.error().code, ErrorCode::kPermissionDenied);

  FaceVerification unknown = Face(core::SigningKey::Generate(), 8, 0.95, "nonce-unk-0001");
  unknown.device_id = "face-9";
  auto stranger = checkins_->CheckIn(FaceRequest(unknown));
  ASSERT_FALSE(stranger);
  EXPECT_EQ(stranger.error().code, ErrorCode::kPermissionDenied);
  EXPECT_NE(stranger.error().message.find("not registered"), std::string::npos);

  ASSERT_TRUE(checkins_->DeactivateGateDevice("face-1"));
  auto inactive = checkins_->CheckIn(FaceRequest(Face(key, 8, 0.95, "nonce-off-0001")));
  ASSERT_FALSE(inactive);
  EXPECT_EQ(inactive.error().code, ErrorCode::kPermissionDenied);
}

TEST_P(CheckinServiceTest, DepartureRulesFreezeTheManifestWithNoShows) {
  std::string boarded = Sell(10), absent = Sell(11);
  clock_.Set(departs_ - std::chrono::minutes(10));
  auto in = checkins_->CheckIn(Qr(boarded));
  ASSERT_TRUE(in && in->accepted());

  auto manifest = checkins_->Manifest(run_->run.id.str(), station_);
  ASSERT_TRUE(manifest) << manifest.error().ToString();
  ASSERT_EQ(manifest->checked_in.size(), 1u);
  EXPECT_EQ(manifest->checked_in[0].ticket_number, boarded);
  ASSERT_EQ(manifest->booked.size(), 1u);
  EXPECT_TRUE(manifest->no_show.empty());

  const std::string run = run_->run.id.str();
  // Ten minutes before the scheduled time: the operator confirms an early departure and says why.
  const DepartureRequest early{.operator_id = "li.na", .confirm_early = true,
                               .early_reason = "旅客已全部到站"};
  auto no_crew = checkins_->Depart(run, station_, early);
  ASSERT_FALSE(no_crew);
  EXPECT_EQ(no_crew.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(no_crew.error().message.find("crew"), std::string::npos);

  auto vehicles = network_->ListVehicles(run_->run.carrier);
  ASSERT_TRUE(vehicles);
  std::string plate;
  for (const auto& v : *vehicles) {
    if (v.seats >= run_->run.seats) plate = v.plate;
  }
  ASSERT_FALSE(plate.empty());
  auto crew = checkins_->CrewCheckIn(run, station_,
                                     {.vehicle_plate = plate, .driver_name = "王强",
                                      .driver_licence = "370102198001011234",
                                      .documents_ok = true},
                                     "li.na");
  ASSERT_TRUE(crew) << crew.error().ToString();

  auto no_safety = checkins_->Depart(run, station_, early);
  ASSERT_FALSE(no_safety);
  EXPECT_NE(no_safety.error().message.find("safety check"), std::string::npos);

  ASSERT_TRUE(checkins_->RecordSafetyCheck(run, station_, {.passed = false, .inspector = "zhao"}));
  auto failed_safety = checkins_->Depart(run, station_, early);
  ASSERT_FALSE(failed_safety);
  EXPECT_NE(failed_safety.error().message.find("failed"), std::string::npos);

  ASSERT_TRUE(checkins_->RecordSafetyCheck(run, station_, {.passed = true, .inspector = "zhao"}));
  // The refused departures left nothing in the outbox.
  EXPECT_TRUE(testing::OutboxEvents(*store_, "departed").empty());

  // Early, unconfirmed or without a reason: refused, saying when the run is due.
  auto unconfirmed = checkins_->Depart(
      run, station_, {.operator_id = "li.na", .confirm_early = false, .early_reason = ""});
  ASSERT_FALSE(unconfirmed);
  EXPECT_EQ(unconfirmed.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(unconfirmed.error().field, "confirm_early");
  EXPECT_NE(unconfirmed.error().message.find("10 min from now"), std::string::npos)
      << unconfirmed.error().message;
  EXPECT_NE(unconfirmed.error().message_zh.find("还有 10 分钟"), std::string::npos);
  for (const std::string& reason :
       std::vector<std::string>{"", " ", "x", std::string(201, 'a')}) {
    auto unexplained = checkins_->Depart(
        run, station_, {.operator_id = "li.na", .confirm_early = true, .early_reason = reason});
    ASSERT_FALSE(unexplained) << "reason '" << reason << "'";
    EXPECT_EQ(unexplained.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(unexplained.error().field, "early_reason");
  }

  auto left = checkins_->Depart(run, station_, early);
  ASSERT_TRUE(left) << left.error().ToString();
  EXPECT_EQ(left->early_reason, "旅客已全部到站");
  EXPECT_TRUE(left->departed_at.has_value());
  EXPECT_EQ(left->boarded, 1);
  EXPECT_EQ(left->no_shows, 1);

  // The departure event is kept for the hub, with what the hub needs to know.
  auto events = testing::OutboxEvents(*store_, "departed");
  ASSERT_EQ(events.size(), 1u);
  const store::OutboxEvent& e = events.front();
  EXPECT_GT(e.sequence, 0);
  EXPECT_EQ(e.kind, "departed");
  EXPECT_EQ(e.subject, run);
  EXPECT_EQ(e.at, *left->departed_at);
  const std::vector<std::pair<std::string, std::string>> fields = {
      {"run_id", run},          {"station", station_.str()},
      {"departed_at", left->departed_at->ToIso8601()},
      {"vehicle", plate},       {"driver", "王强"},
      {"operator", "li.na"},    {"boarded", "1"},
      {"no_shows", "1"},        {"early_reason", "旅客已全部到站"}};
  EXPECT_EQ(e.fields, fields);

  auto frozen = checkins_->Manifest(run, station_);
  ASSERT_TRUE(frozen);
  EXPECT_TRUE(frozen->departed_at.has_value());
  ASSERT_EQ(frozen->no_show.size(), 1u);
  EXPECT_EQ(frozen->no_show[0].ticket_number, absent);
  EXPECT_TRUE(frozen->booked.empty());

  // The bus left early: the absent passenger is refused as departed, and departing twice fails.
  auto late = checkins_->CheckIn(Qr(absent));
  ASSERT_TRUE(late) << late.error().ToString();
  EXPECT_EQ(late->reason(), RefusalReason::kDeparted);
  EXPECT_FALSE(checkins_->Depart(run, station_, early));
}

TEST_P(CheckinServiceTest, RevokedTicketsAreListedAndRefused) {
  std::string ticket = Sell(12);
  auto number = core::TicketNumber::Parse(ticket);
  ASSERT_TRUE(number);
  ASSERT_TRUE(store_->RunTransaction([&](store::Transaction& tx) -> Result<void> {
    auto sequence =
        eticket::RevokeTicket(tx, *number, eticket::RevocationReason::kRefunded, clock_.Now());
    if (!sequence) return Propagate(sequence);
    return {};
  }));
  auto list = checkins_->Revocations(0);
  ASSERT_TRUE(list) << list.error().ToString();
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(list->at(0).sequence, 1);
  EXPECT_EQ(list->at(0).ticket_number, *number);
  auto after = checkins_->Revocations(1);
  ASSERT_TRUE(after);
  EXPECT_TRUE(after->empty());

  clock_.Set(departs_ - std::chrono::minutes(10));
  auto refused = checkins_->CheckIn(Qr(ticket));
  ASSERT_TRUE(refused) << refused.error().ToString();
  EXPECT_EQ(refused->reason(), RefusalReason::kRefunded);
}

TEST_P(CheckinServiceTest, ConcurrentCheckInsAdmitOnce) {
  std::string ticket = Sell(13);
  clock_.Set(departs_ - std::chrono::minutes(10));
  std::vector<CheckinRequest> requests;
  for (int i = 0; i < 4; ++i) requests.push_back(Qr(ticket, std::to_string(i + 1)));
  std::atomic<int> accepted{0}, refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      auto d = checkins_->CheckIn(requests[i]);
      ASSERT_TRUE(d) << d.error().ToString();
      if (d->accepted()) {
        ++accepted;
      } else if (d->reason() == RefusalReason::kAlreadyCheckedIn) {
        ++refused;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(accepted.load(), 1);
  EXPECT_EQ(refused.load(), 3);
}

// A refund at the boarding station's window, as sales::SalesService::Refund takes it.
sales::RefundRequest WindowRefund(const std::string& ticket, const core::StationCode& station,
                                  std::string key) {
  return sales::RefundRequest{.ticket_number = ticket,
                              .idempotency_key = std::move(key),
                              .channel = sales::Channel::kWindow,
                              .staff = sales::Seller{.staff_username = "li.na", .station = station},
                              .access_token = {},
                              .cause = core::RefundCause::kPassenger};
}

TEST_P(CheckinServiceTest, ARefundedTicketIsRevokedAndRefusedAtTheGate) {
  std::string ticket = Sell(14);
  std::string boarded = Sell(15);
  CheckinRequest scan = Qr(ticket);  // the passenger's voucher, as saved on the phone
  auto refunded = sales_->Refund(WindowRefund(ticket, station_, "refund-14"));
  ASSERT_TRUE(refunded) << refunded.error().ToString();
  auto list = checkins_->Revocations(0);
  ASSERT_TRUE(list) << list.error().ToString();
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(list->at(0).ticket_number.str(), ticket);
  EXPECT_EQ(list->at(0).reason, RevocationReason::kRefunded);

  EXPECT_FALSE(vouchers_->Text(ticket)) << "a refunded ticket has no voucher to show";
  clock_.Set(departs_ - std::chrono::minutes(10));
  auto refused = checkins_->CheckIn(scan);
  ASSERT_TRUE(refused) << refused.error().ToString();
  ASSERT_FALSE(refused->accepted());
  EXPECT_EQ(refused->reason(), RefusalReason::kRefunded);
  // A checked-in ticket is not refunded.
  auto admitted = checkins_->CheckIn(Qr(boarded));
  ASSERT_TRUE(admitted && admitted->accepted());
  auto late = sales_->Refund(WindowRefund(boarded, station_, "refund-15"));
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(late.error().message.find("checked in"), std::string::npos) << late.error().message;
}

// A refund and a check-in of the same ticket at the same moment, many times: each time
// exactly one wins, and the store agrees (one refund row or one check-in row, never both).
TEST_P(CheckinServiceTest, ARefundRacingACheckInHasExactlyOneWinner) {
  const int rounds = GetParam() == TestEngine::kSqlite ? 40 : 25;
  int refunds_won = 0, checkins_won = 0;
  for (int i = 0; i < rounds; ++i) {
    clock_.Set(departs_ - std::chrono::hours(3));
    std::string ticket = Sell(200 + i);
    ASSERT_FALSE(ticket.empty());
    CheckinRequest scan = Qr(ticket, "7");
    clock_.Set(departs_ - std::chrono::minutes(10));
    std::atomic<int> ready{0};
    std::optional<Result<GateDecision>> checkin;
    std::optional<Result<sales::RefundResult>> refund;
    std::thread gate([&] {
      ++ready;
      while (ready.load() < 2) {
      }
      checkin = checkins_->CheckIn(scan);
    });
    std::thread window([&] {
      ++ready;
      while (ready.load() < 2) {
      }
      // Staggered so that either side gets there first in some rounds.
      std::this_thread::sleep_for(std::chrono::microseconds(150 * (i % 8)));
      refund = sales_->Refund(WindowRefund(ticket, station_, "race-" + std::to_string(i)));
    });
    gate.join();
    window.join();
    ASSERT_TRUE(*checkin) << checkin->error().ToString();
    bool admitted = (*checkin)->accepted();
    bool refunded = refund->has_value();
    EXPECT_NE(admitted, refunded) << "round " << i << ": exactly one must win";
    if (refunded) {
      ++refunds_won;
      EXPECT_EQ((*checkin)->reason(), RefusalReason::kRefunded) << (*checkin)->refusal().message_en;
    } else {
      ++checkins_won;
      EXPECT_EQ(refund->error().code, ErrorCode::kFailedPrecondition) << refund->error().message;
    }
    auto rows = store_->Transact<std::pair<std::int64_t, std::int64_t>>(
        [&](store::Transaction& tx) -> Result<std::pair<std::int64_t, std::int64_t>> {
          auto r = tx.QueryOne("SELECT COUNT(*) FROM refunds WHERE ticket_number = $1",
                               {store::Value{ticket}});
          if (!r) return Propagate(r);
          auto c = tx.QueryOne("SELECT COUNT(*) FROM checkins WHERE ticket_number = $1",
                               {store::Value{ticket}});
          if (!c) return Propagate(c);
          return std::make_pair(r->Int(0), c->Int(0));
        });
    ASSERT_TRUE(rows) << rows.error().ToString();
    EXPECT_EQ(rows->first + rows->second, 1) << "round " << i;
    EXPECT_EQ(rows->first, refunded ? 1 : 0);
  }
  EXPECT_EQ(refunds_won + checkins_won, rounds);
  std::printf("refund vs check-in: %d refunds won, %d check-ins won\n", refunds_won,
              checkins_won);
}

INSTANTIATE_TEST_SUITE_P(Engines, CheckinServiceTest,
                         ::testing::Values(TestEngine::kSqlite, TestEngine::kPostgres),
                         [](const auto& info) { return testing::TestEngineName(info.param); });

}  // namespace
}  // namespace keyun::checkin
