#include "checkin/gate_verifier.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "eticket/base45.h"
#include "gate_fixture.h"

namespace keyun::checkin {
namespace {

using std::chrono::microseconds;
using std::chrono::minutes;
using testing::Adult;
using testing::At;
using testing::FreeChild;
using testing::PayloadFor;
using testing::Person;
using testing::Signer;
using testing::Station;
using testing::Ticket;
using testing::TrustListOf;

constexpr microseconds kTick(1);

class GateVerifierTest : public ::testing::Test {
 protected:
  void SetUp() override { gate_ = NewGate({.station = Station()}); }

  std::unique_ptr<GateVerifier> NewGate(GateSettings settings) {
    Result<std::unique_ptr<GateVerifier>> gate =
        GateVerifier::Create(std::move(settings), TrustListOf(signer_));
    EXPECT_TRUE(gate.has_value()) << gate.error().ToString();
    return gate ? std::move(*gate) : nullptr;
  }

  void Load(std::vector<ManifestTicket> tickets, GateVerifier* gate = nullptr) {
    Result<BoardingManifest> manifest = BoardingManifest::Build(Station(), std::move(tickets));
    ASSERT_TRUE(manifest.has_value()) << manifest.error().ToString();
    ASSERT_TRUE((gate ? gate : gate_.get())->ReplaceManifest(std::move(*manifest)).has_value());
  }

  std::string Voucher(const eticket::VoucherPayload& payload) {
    Result<std::string> text = signer_.Issue(payload);
    EXPECT_TRUE(text.has_value()) << text.error().ToString();
    return text ? *text : std::string();
  }
  std::string Voucher(const ManifestTicket& ticket) { return Voucher(PayloadFor(ticket)); }

  static GateContext Gate(core::Instant now, std::string gate_id = "3") {
    return GateContext{.gate_id = std::move(gate_id), .operator_id = "li.na", .now = now};
  }

  // The decision's reason key, or "accepted": reads well in EXPECT_EQ failures.
  static std::string Outcome(const GateDecision& decision) {
    return decision.accepted() ? "accepted" : std::string(RefusalKey(decision.refusal().reason));
  }

  eticket::VoucherSigner signer_ = Signer();
  std::unique_ptr<GateVerifier> gate_;
};

// ---- admission --------------------------------------------------------------------------------

TEST_F(GateVerifierTest, AdmitsAVoucherAndShowsWhatTheOperatorMustSee) {
  const ManifestTicket ticket = Adult(1);
  Load({ticket});
  const GateDecision d = gate_->CheckVoucher(Voucher(ticket), Gate(At("08:12")));
  ASSERT_EQ(Outcome(d), "accepted");
  const Admission& a = d.admission();
  EXPECT_EQ(a.ticket_number, Ticket(1));
  EXPECT_EQ(a.run_id.str(), testing::kMorningRun);
  EXPECT_EQ(a.seat, 2);
  EXPECT_EQ(a.fare_type, eticket::FareType::kAdult);
  EXPECT_EQ(a.passenger_name_masked, "欧**娜");
  EXPECT_EQ(a.departs_at, At("08:30"));
  EXPECT_TRUE(a.free_children.empty());
  EXPECT_EQ(a.record, (CheckinRecord{.ticket_number = Ticket(1),
                                     .run_id = testing::Run(),
                                     .gate_id = "3",
                                     .operator_id = "li.na",
                                     .method = CheckinMethod::kQrCode,
                                     .at = At("08:12")}));
  EXPECT_EQ(gate_->FindCheckin(Ticket(1)), a.record);
  EXPECT_EQ(gate_->LocalCheckinsSince(0), std::vector{a.record});
}

TEST_F(GateVerifierTest, AVerifiedPayloadIsDecidedByTheSameRules) {
  const ManifestTicket ticket = Adult(1);
  Load({ticket});
  EXPECT_EQ(Outcome(gate_->CheckVerifiedVoucher(PayloadFor(ticket), Gate(At("07:40")))),
            "too_early");
  const GateDecision d = gate_->CheckVerifiedVoucher(PayloadFor(ticket), Gate(At("08:12")));
  ASSERT_EQ(Outcome(d), "accepted");
  EXPECT_EQ(d.admission().record.method, CheckinMethod::kQrCode);
  EXPECT_EQ(Outcome(gate_->CheckVoucher(Voucher(ticket), Gate(At("08:13"), "5"))),
            "already_checked_in");
}

TEST_F(GateVerifierTest, ShowsTheManifestsSeatWhenItDiffersFromTheVoucher) {
  ManifestTicket ticket = Adult(1);
  const std::string voucher = Voucher(ticket);  // seat 2
  ticket.seat = 17;                             // reassigned since
  Load({ticket});
  const GateDecision d = gate_->CheckVoucher(voucher, Gate(At("08:12")));
  ASSERT_EQ(Outcome(d), "accepted");
  EXPECT_EQ(d.admission().seat, 17);
}

// ---- the check-in window ----------------------------------------------------------------------

TEST_F(GateVerifierTest, WindowOpensExactly40MinutesBeforeDeparture) {
  const ManifestTicket ticket = Adult(1);
  Load({ticket});
  const std::string voucher = Voucher(ticket);
  const GateDecision early = gate_->CheckVoucher(voucher, Gate(At("07:50", -kTick)));
  ASSERT_EQ(Outcome(early), "too_early");
  EXPECT_EQ(early.refusal().message_zh,
            "未到检票时间：370102001-20261122-K0301 班次 07:50 开始检票");
  EXPECT_EQ(early.refusal().message_en,
            "too early: check-in for run 370102001-20261122-K0301 opens at 07:50");
  EXPECT_EQ(early.refusal().ticket_number, Ticket(1));
  EXPECT_EQ(gate_->local_checkin_count(), 0u);
  EXPECT_EQ(Outcome(gate_->CheckVoucher(voucher, Gate(At("07:50")))), "accepted");
}

TEST_F(GateVerifierTest, WindowClosesExactly2MinutesBeforeDeparture) {
  Load({Adult(1), Adult(2), Adult(3)});
  EXPECT_EQ(Outcome(gate_->CheckVoucher(Voucher(Adult(1)), Gate(At("08:28", -kTick)))), "accepted");
  const GateDecision closed = gate_->CheckVoucher(Voucher(Adult(2)), Gate(At("08:28")));
  ASSERT_EQ(Outcome(closed), "checkin_closed");
  EXPECT_EQ(closed.refusal().message_zh,
            "检票已截止：370102001-20261122-K0301 班次 08:30 发车，发车前 2 分钟停止检票");
  EXPECT_EQ(Outcome(gate_->CheckVoucher(Voucher(Adult(2)), Gate(At("08:30", -kTick)))),
            "checkin_closed");
  const GateDecision departed = gate_->CheckVoucher(Voucher(Adult(3)), Gate(At("08:30")));
  ASSERT_EQ(Outcome(departed), "departed");
  EXPECT_EQ(departed.refusal().message_en,
            "the bus has left: run 370102001-20261122-K0301 departed at 08:30");
}

TEST_F(GateVerifierTest, WindowIsTheStationsPolicy) {
  auto gate = NewGate(
      {.station = Station(), .window = {.opens_before = minutes(60), .closes_before = minutes(5)}});
  Load({Adult(1), Adult(2)}, gate.get());
  EXPECT_EQ(Outcome(gate->CheckVoucher(Voucher(Adult(1)), Gate(At("07:30", -kTick)))), "too_early");
  EXPECT_EQ(Outcome(gate->CheckVoucher(Voucher(Adult(1)), Gate(At("07:30")))), "accepted");
  EXPECT_EQ(Outcome(gate->CheckVoucher(Voucher(Adult(2)), Gate(At("08:25")))), "checkin_closed");
}

TEST_F(GateVerifierTest, ASyncedWindowReplacesTheGatesWindow) {
  auto gate = NewGate({.station = Station()});
  Load({Adult(1)}, gate.get());
  EXPECT_EQ(Outcome(gate->CheckVoucher(Voucher(Adult(1)), Gate(At("07:30")))), "too_early");
  ASSERT_TRUE(gate->ReplaceWindow({.opens_before = minutes(60), .closes_before = minutes(5)}));
  EXPECT_EQ(gate->settings().window.opens_before, minutes(60));
  // An invalid window from a feed is refused and the gate keeps the one it had.
  auto bad = gate->ReplaceWindow({.opens_before = minutes(2), .closes_before = minutes(2)});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "window");
  EXPECT_EQ(gate->settings().window.opens_before, minutes(60));
  EXPECT_EQ(Outcome(gate->CheckVoucher(Voucher(Adult(1)), Gate(At("07:30")))), "accepted");
}

TEST_F(GateVerifierTest, RefusesAnInvalidWindowPolicy) {
  for (CheckinWindow window :
       {CheckinWindow{.opens_before = minutes(2), .closes_before = minutes(2)},
        CheckinWindow{.opens_before = minutes(40), .closes_before = minutes(-1)},
        CheckinWindow{.opens_before = minutes(25 * 60)}}) {
    Result<std::unique_ptr<GateVerifier>> gate =
        GateVerifier::Create({.station = Station(), .window = window}, TrustListOf(signer_));
    ASSERT_FALSE(gate.has_value());
    EXPECT_EQ(gate.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(gate.error().field, "window");
  }
}

// ---- once only --------------------------------------------------------------------------------

TEST_F(GateVerifierTest, ASecondScanSaysWhenAndAtWhichGate) {
  const ManifestTicket ticket = Adult(1);
  Load({ticket});
  const std::string voucher = Voucher(ticket);
  ASSERT_EQ(Outcome(gate_->CheckVoucher(voucher, Gate(At("08:12"), "3"))), "accepted");
  const GateDecision again = gate_->CheckVoucher(voucher, Gate(At("08:15"), "5"));
  ASSERT_EQ(Outcome(again), "already_checked_in");
  EXPECT_EQ(again.refusal().message_zh, "已检票：2026-11-22 08:12 于 3 号检票口");
  EXPECT_EQ(again.refusal().message_en, "already checked in at 08:12 at gate 3");
  ASSERT_TRUE(again.refusal().earlier_checkin.has_value());
  EXPECT_EQ(again.refusal().earlier_checkin->gate_id, "3");
  EXPECT_EQ(again.refusal().earlier_checkin->at, At("08:12"));
  EXPECT_EQ(gate_->local_checkin_count(), 1u);
}

TEST_F(GateVerifierTest, AlreadyCheckedInIsToldEvenAfterTheWindowCloses) {
  const ManifestTicket ticket = Adult(1);
  Load({ticket});
  ASSERT_EQ(Outcome(gate_->CheckVoucher(Voucher(ticket), Gate(At("08:12")))), "accepted");
  EXPECT_EQ(Outcome(gate_->CheckVoucher(Voucher(ticket), Gate(At("08:29")))), "already_checked_in");
}

TEST_F(GateVerifierTest, OnceAcrossMethodsVoucherThenIdCard) {
  const ManifestTicket ticket = Adult(1);
  Load({ticket});
  ASSERT_EQ(Outcome(gate_->CheckVoucher(Voucher(ticket), Gate(At("08:12")))), "accepted");
  const GateDecision swipe =
      gate_->CheckIdNumber(eticket::IdHashHex(Person(1)), Gate(At("08:13"), "4"));
  ASSERT_EQ(Outcome(swipe), "already_checked_in");
  EXPECT_EQ(swipe.refusal().earlier_checkin->method, CheckinMethod::kQrCode);
}

TEST_F(GateVerifierTest, OnceAcrossMethodsIdCardThenVoucher) {
  const ManifestTicket ticket = Adult(1);
  Load({ticket});
  const GateDecision swipe = gate_->CheckIdNumber(eticket::IdHashHex(Person(1)), Gate(At("08:12")));
  ASSERT_EQ(Outcome(swipe), "accepted");
  EXPECT_EQ(swipe.admission().record.method, CheckinMethod::kIdCard);
  EXPECT_EQ(swipe.admission().seat, ticket.seat);
  const GateDecision scan = gate_->CheckVoucher(Voucher(ticket), Gate(At("08:13")));
  ASSERT_EQ(Outcome(scan), "already_checked_in");
  EXPECT_EQ(scan.refusal().earlier_checkin->method, CheckinMethod::kIdCard);
}

TEST_F(GateVerifierTest, CheckInsSyncedFromAnotherGateCount) {
  Load({Adult(1), Adult(2)});
  const CheckinRecord elsewhere{.ticket_number = Ticket(1),
                                .run_id = testing::Run(),
                                .gate_id = "7",
                                .operator_id = "zhao.lei",
                                .method = CheckinMethod::kIdCard,
                                .at = At("08:05")};
  EXPECT_EQ(gate_->ApplyCheckins(std::vector{elsewhere}), 1u);
  EXPECT_EQ(gate_->ApplyCheckins(std::vector{elsewhere}), 0u);  // delivered twice
  const GateDecision d = gate_->CheckVoucher(Voucher(Adult(1)), Gate(At("08:12")));
  ASSERT_EQ(Outcome(d), "already_checked_in");
  EXPECT_EQ(d.refusal().message_en, "already checked in at 08:05 at gate 7");
  // Only this gate's own check-ins are for its journal.
  ASSERT_EQ(Outcome(gate_->CheckVoucher(Voucher(Adult(2)), Gate(At("08:12")))), "accepted");
  const std::vector<CheckinRecord> local = gate_->LocalCheckinsSince(0);
  ASSERT_EQ(local.size(), 1u);
  EXPECT_EQ(local[0].ticket_number, Ticket(2));
  EXPECT_TRUE(gate_->LocalCheckinsSince(1).empty());
}

TEST_F(GateVerifierTest, TwoOfflineGatesAdmittingOneTicketKeepTheEarlierCheckin) {
  Load({Adult(1)});
  ASSERT_EQ(Outcome(gate_->CheckVoucher(Voucher(Adult(1)), Gate(At("08:12"), "3"))), "accepted");
  const CheckinRecord earlier{.ticket_number = Ticket(1),
                              .run_id = testing::Run(),
                              .gate_id = "7",
                              .operator_id = "zhao.lei",
                              .method = CheckinMethod::kQrCode,
                              .at = At("08:10")};
  CheckinRecord later = earlier;
  later.at = At("08:20");
  EXPECT_EQ(gate_->ApplyCheckins(std::vector{later}), 0u);
  EXPECT_EQ(gate_->FindCheckin(Ticket(1))->gate_id, "3");
  EXPECT_EQ(gate_->ApplyCheckins(std::vector{earlier}), 0u);
  EXPECT_EQ(gate_->FindCheckin(Ticket(1)), earlier);
  EXPECT_EQ(gate_->local_checkin_count(), 1u);  // the journal keeps what happened here
}

TEST_F(GateVerifierTest, ConcurrentScansOfOneTicketAdmitItOnce) {
  constexpr int kTickets = 50;
  std::vector<ManifestTicket> tickets;
  std::vector<std::string> vouchers;
  for (int i = 1; i <= kTickets; ++i) {
    tickets.push_back(Adult(i));
    vouchers.push_back(Voucher(tickets.back()));
  }
  Load(tickets);
  std::atomic<int> admitted = 0;
  std::vector<std::thread> gates;
  for (int g = 0; g < 4; ++g) {
    gates.emplace_back([&, g] {
      for (const std::string& voucher : vouchers) {
        if (gate_->CheckVoucher(voucher, Gate(At("08:12"), std::to_string(g))).accepted()) {
          ++admitted;
        }
      }
    });
  }
  for (std::thread& t : gates) t.join();
  EXPECT_EQ(admitted.load(), kTickets);
  EXPECT_EQ(gate_->local_checkin_count(), static_cast<std::size_t>(kTickets));
}

// ---- free children (携童) ---------------------------------------------------------------------

TEST_F(GateVerifierTest, FreeChildChecksInWithTheAdult) {
  ManifestTicket adult = Adult(1);
  adult.free_children = {Ticket(2)};
  const ManifestTicket child = FreeChild(2);
  Load({adult, child});

  const GateDecision alone = gate_->CheckVoucher(Voucher(child), Gate(At("08:10")));
  ASSERT_EQ(Outcome(alone), "free_child_alone");
  EXPECT_EQ(alone.refusal().message_en,
            "a free child checks in with the adult: scan the adult's ticket " + Ticket(1).str());

  const GateDecision d = gate_->CheckVoucher(Voucher(adult), Gate(At("08:12")));
  ASSERT_EQ(Outcome(d), "accepted");
  ASSERT_EQ(d.admission().free_children.size(), 1u);
  EXPECT_EQ(d.admission().free_children[0].ticket_number, Ticket(2));
  EXPECT_EQ(d.admission().free_children[0].passenger_name_masked, "欧*");
  const std::optional<CheckinRecord> child_record = gate_->FindCheckin(Ticket(2));
  ASSERT_TRUE(child_record.has_value());
  EXPECT_EQ(child_record->at, At("08:12"));
  EXPECT_EQ(child_record->method, CheckinMethod::kQrCode);
  EXPECT_EQ(gate_->local_checkin_count(), 2u);  // both are journaled

  EXPECT_EQ(Outcome(gate_->CheckVoucher(Voucher(child), Gate(At("08:13")))), "already_checked_in");
}

TEST_F(GateVerifierTest, ARevokedFreeChildDoesNotCheckInWithTheAdult) {
  ManifestTicket adult = Adult(1);
  adult.free_children = {Ticket(2), Ticket(3)};
  ManifestTicket refunded_child = FreeChild(3);
  refunded_child.status = TicketStatus::kRefunded;
  Load({adult, FreeChild(2), refunded_child});
  const GateDecision d = gate_->CheckIdNumber(eticket::IdHashHex(Person(1)), Gate(At("08:12")));
  ASSERT_EQ(Outcome(d), "accepted");
  ASSERT_EQ(d.admission().free_children.size(), 1u);
  EXPECT_EQ(d.admission().free_children[0].ticket_number, Ticket(2));
  EXPECT_FALSE(gate_->FindCheckin(Ticket(3)).has_value());
}

// ---- revocation -------------------------------------------------------------------------------

TEST_F(GateVerifierTest, AVoucherIsRefusedAfterARevocationUpdate) {
  Load({Adult(1), Adult(2), Adult(3)});
  const std::string refunded = Voucher(Adult(1));
  const std::string changed = Voucher(Adult(2));
  ASSERT_EQ(gate_->ApplyRevocations(std::vector<Revocation>{
                {.sequence = 41, .ticket_number = Ticket(1), .reason = RevocationReason::kRefunded},
                {.sequence = 42, .ticket_number = Ticket(2), .reason = RevocationReason::kChanged},
            }),
            2u);
  EXPECT_EQ(gate_->revocation_sequence(), 42);
  const GateDecision r = gate_->CheckVoucher(refunded, Gate(At("08:12")));
  ASSERT_EQ(Outcome(r), "refunded");
  EXPECT_EQ(r.refusal().message_zh, "车票已退票，不能检票");
  const GateDecision c = gate_->CheckVoucher(changed, Gate(At("08:12")));
  ASSERT_EQ(Outcome(c), "changed");
  EXPECT_EQ(c.refusal().message_en, "this ticket was changed to another run: show the new ticket");
  // The same by ID card, and a revocation outranks "too early".
  EXPECT_EQ(Outcome(gate_->CheckIdNumber(eticket::IdHashHex(Person(1)), Gate(At("07:00")))),
            "refunded");
  EXPECT_EQ(Outcome(gate_->CheckVoucher(Voucher(Adult(3)), Gate(At("08:12")))), "accepted");
}

TEST_F(GateVerifierTest, RevocationUpdatesAreIncremental) {
  Load({Adult(1), Adult(2)});
  const auto revoke = [](std::int64_t sequence, std::int64_t ticket) {
    return Revocation{.sequence = sequence, .ticket_number = Ticket(ticket)};
  };
  ASSERT_EQ(gate_->ApplyRevocations(std::vector{revoke(1, 100), revoke(2, 101)}), 2u);
  // Redelivered and new entries together: only the new ones count.
  ASSERT_EQ(gate_->ApplyRevocations(std::vector{revoke(2, 101), revoke(3, 1)}), 1u);
  EXPECT_EQ(gate_->revocation_sequence(), 3);
  EXPECT_EQ(Outcome(gate_->CheckVoucher(Voucher(Adult(1)), Gate(At("08:12")))), "refunded");
  // Out of order: refused, nothing applied.
  Result<std::size_t> bad = gate_->ApplyRevocations(std::vector{revoke(5, 2), revoke(4, 2)});
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(gate_->revocation_sequence(), 3);
  EXPECT_EQ(Outcome(gate_->CheckVoucher(Voucher(Adult(2)), Gate(At("08:12")))), "accepted");
}

TEST_F(GateVerifierTest, TheManifestsStatusRevokesToo) {
  ManifestTicket refunded = Adult(1);
  refunded.status = TicketStatus::kRefunded;
  ManifestTicket changed = Adult(2);
  changed.status = TicketStatus::kChanged;
  Load({refunded, changed});
  EXPECT_EQ(Outcome(gate_->CheckVoucher(Voucher(Adult(1)), Gate(At("08:12")))), "refunded");
  EXPECT_EQ(Outcome(gate_->CheckVoucher(Voucher(Adult(2)), Gate(At("08:12")))), "changed");
}

TEST_F(GateVerifierTest, ARevokedTicketNotOnTheManifestIsToldAsRevoked) {
  Load({Adult(1)});
  ASSERT_TRUE(
      gate_->ApplyRevocations(std::vector<Revocation>{{.sequence = 1, .ticket_number = Ticket(9)}})
          .has_value());
  ManifestTicket gone = Adult(9);  // refunded before the manifest was published
  EXPECT_EQ(Outcome(gate_->CheckVoucher(Voucher(gone), Gate(At("08:12")))), "refunded");
}

// ---- damaged, foreign, forged -----------------------------------------------------------------

TEST_F(GateVerifierTest, DamagedCodes) {
  Load({Adult(1)});
  const std::string voucher = Voucher(Adult(1));
  for (const std::string& text :
       {std::string(), std::string("hello"), std::string("http://example.com/ticket/1"),
        voucher.substr(0, voucher.size() - 1), voucher.substr(0, voucher.size() - 3),
        voucher.substr(0, voucher.size() / 2), voucher.substr(4), voucher + "00",
        "ky1:" + voucher.substr(4), voucher.substr(0, 40) + "a" + voucher.substr(41)}) {
    const GateDecision d = gate_->CheckVoucher(text, Gate(At("08:12")));
    ASSERT_EQ(Outcome(d), "damaged") << text;
    EXPECT_FALSE(d.refusal().ticket_number.has_value());
    EXPECT_FALSE(d.refusal().detail.empty());
    EXPECT_EQ(d.refusal().message_en,
              "cannot read: the code is damaged or not a keyun e-ticket; swipe the ID card "
              "instead");
  }
  EXPECT_EQ(gate_->local_checkin_count(), 0u);
}

TEST_F(GateVerifierTest, AlteredVouchersAreForged) {
  const ManifestTicket ticket = Adult(1);
  Load({ticket});
  std::vector<std::uint8_t> bytes = *signer_.SignBytes(PayloadFor(ticket));
  // A payload byte that still decodes (the seat, a varint near the middle) and a signature bit.
  eticket::VoucherPayload other_seat = PayloadFor(ticket);
  other_seat.seat = 3;
  std::vector<std::uint8_t> reseated = *eticket::EncodeVoucherPayload(other_seat);
  reseated.insert(reseated.end(), bytes.end() - 64, bytes.end());  // the original signature
  std::vector<std::uint8_t> bad_signature = bytes;
  bad_signature.back() ^= 0x01;
  for (const auto& altered : {reseated, bad_signature}) {
    const std::string text = std::string(eticket::kVoucherScheme) + eticket::Base45Encode(altered);
    const GateDecision d = gate_->CheckVoucher(text, Gate(At("08:12")));
    ASSERT_EQ(Outcome(d), "forged");
    EXPECT_EQ(d.refusal().message_zh, "假票：电子客票签名不符，可能被伪造或篡改，请联系值班站长");
    EXPECT_FALSE(d.refusal().ticket_number.has_value());
  }
}

TEST_F(GateVerifierTest, ForeignVouchers) {
  const ManifestTicket ticket = Adult(1);
  Load({ticket});
  // The same key id with another key: someone else's signer pretending to be province 37.
  eticket::VoucherSigner impostor = Signer(testing::kKeyId, 99);
  EXPECT_EQ(Outcome(gate_->CheckVoucher(*impostor.Issue(PayloadFor(ticket)), Gate(At("08:12")))),
            "forged");
  // A key the gate has not synced yet.
  eticket::VoucherSigner next = Signer("37-ed25519-0002", 8);
  eticket::VoucherPayload payload = PayloadFor(ticket);
  payload.key_id = next.key_id();
  const GateDecision d = gate_->CheckVoucher(*next.Issue(payload), Gate(At("08:12")));
  ASSERT_EQ(Outcome(d), "unknown_key");
  EXPECT_EQ(d.refusal().message_en,
            "cannot verify: signing key 37-ed25519-0002 is not known at this gate yet; call the "
            "duty manager or swipe the ID card");
  // Once the trust list has it, the same voucher checks in.
  eticket::VoucherVerifier trust = TrustListOf(signer_);
  ASSERT_TRUE(trust.AddKey(next.key_id(), next.public_key()).has_value());
  gate_->ReplaceTrustList(std::move(trust));
  EXPECT_EQ(Outcome(gate_->CheckVoucher(*next.Issue(payload), Gate(At("08:12")))), "accepted");
}

TEST_F(GateVerifierTest, ReplacingTheTrustListForgetsVerifiedVouchers) {
  Load({Adult(1)});
  const std::string voucher = Voucher(Adult(1));
  ASSERT_EQ(Outcome(gate_->CheckVoucher(voucher, Gate(At("08:12")))), "accepted");
  // A re-scan (answered from the cache) still runs every other check.
  EXPECT_EQ(Outcome(gate_->CheckVoucher(voucher, Gate(At("08:13")))), "already_checked_in");
  gate_->ClearCheckins();
  gate_->ReplaceTrustList(eticket::VoucherVerifier());  // the key is withdrawn
  EXPECT_EQ(Outcome(gate_->CheckVoucher(voucher, Gate(At("08:14")))), "unknown_key");
}

TEST_F(GateVerifierTest, TheCacheCanBeTurnedOff) {
  auto gate = NewGate({.station = Station(), .verified_cache_entries = 0});
  Load({Adult(1)}, gate.get());
  const std::string voucher = Voucher(Adult(1));
  EXPECT_EQ(Outcome(gate->CheckVoucher(voucher, Gate(At("08:12")))), "accepted");
  EXPECT_EQ(Outcome(gate->CheckVoucher(voucher, Gate(At("08:13")))), "already_checked_in");
}

// ---- validity, station, run -------------------------------------------------------------------

TEST_F(GateVerifierTest, TheVouchersOwnValidityWindow) {
  Load({Adult(1)});
  eticket::VoucherPayload payload = PayloadFor(Adult(1));
  payload.valid_from = At("08:00");
  payload.valid_until = At("08:20");
  const std::string voucher = Voucher(payload);
  const GateDecision early = gate_->CheckVoucher(voucher, Gate(At("08:00", -kTick)));
  ASSERT_EQ(Outcome(early), "not_yet_valid");
  EXPECT_EQ(early.refusal().message_en, "e-ticket not valid yet: valid from 08:00");
  EXPECT_EQ(early.refusal().ticket_number, Ticket(1));
  const GateDecision late = gate_->CheckVoucher(voucher, Gate(At("08:20")));
  ASSERT_EQ(Outcome(late), "expired");
  EXPECT_EQ(late.refusal().message_zh, "电子客票已过期：有效期至 08:20");
  EXPECT_EQ(Outcome(gate_->CheckVoucher(voucher, Gate(At("08:20", -kTick)))), "accepted");
}

TEST_F(GateVerifierTest, YesterdaysVoucherHasExpired) {
  Load({Adult(1)});
  const GateDecision d =
      gate_->CheckVoucher(Voucher(Adult(1)), Gate(At("08:12") + std::chrono::hours(24)));
  ASSERT_EQ(Outcome(d), "expired");
  EXPECT_EQ(d.refusal().message_en, "e-ticket expired on 2026-11-22 at 09:30");
}

TEST_F(GateVerifierTest, BoardsOnlyAtItsBoardingStation) {
  Load({Adult(1)});
  eticket::VoucherPayload payload = PayloadFor(Adult(1));
  payload.boarding_stop = 1;
  payload.boarding_station = *core::StationCode::Parse("370112001");
  const GateDecision d = gate_->CheckVoucher(Voucher(payload), Gate(At("08:12")));
  ASSERT_EQ(Outcome(d), "wrong_station");
  EXPECT_EQ(d.refusal().message_zh, "非本站上车：本票在 370112001 站检票上车");
  EXPECT_EQ(d.refusal().message_en, "wrong station: this ticket boards at station 370112001");
}

TEST_F(GateVerifierTest, UnknownRunNotInManifestAndWrongRun) {
  Load({Adult(1), Adult(2, testing::kAfternoonRun)});
  // A run that does not board here (or whose manifest has not synced).
  const ManifestTicket other = Adult(3, "370102001-20261122-K0399");
  const GateDecision unknown = gate_->CheckVoucher(Voucher(other), Gate(At("08:12")));
  ASSERT_EQ(Outcome(unknown), "unknown_run");
  EXPECT_EQ(unknown.refusal().message_en,
            "no manifest for run 370102001-20261122-K0399 at this station: it does not board "
            "here, or it has not synced");
  // A run boarding here, a ticket the manifest does not list (sold after the last sync).
  const GateDecision missing = gate_->CheckVoucher(Voucher(Adult(4)), Gate(At("08:12")));
  ASSERT_EQ(Outcome(missing), "not_in_manifest");
  EXPECT_EQ(missing.refusal().message_zh,
            "班次 370102001-20261122-K0301 名单中无此票，请到售票窗口核实");
  // The manifest has ticket 2 on the afternoon run; the voucher says morning.
  const GateDecision wrong = gate_->CheckVoucher(Voucher(Adult(2)), Gate(At("08:12")));
  ASSERT_EQ(Outcome(wrong), "wrong_run");
  EXPECT_EQ(wrong.refusal().message_en,
            "wrong run: the ticket is on run 370102001-20261122-K0302, the voucher says "
            "370102001-20261122-K0301; ask for the current voucher");
  // So does a voucher naming another boarding stop of the same run and station.
  eticket::VoucherPayload stop = PayloadFor(Adult(1));
  stop.boarding_stop = 1;
  EXPECT_EQ(Outcome(gate_->CheckVoucher(Voucher(stop), Gate(At("08:12")))), "wrong_run");
}

TEST_F(GateVerifierTest, AnEmptyGateKnowsNoRun) {
  EXPECT_EQ(Outcome(gate_->CheckVoucher(Voucher(Adult(1)), Gate(At("08:12")))), "unknown_run");
}

TEST_F(GateVerifierTest, ReplacingTheManifestKeepsCheckinsAndRevocations) {
  Load({Adult(1), Adult(2)});
  ASSERT_EQ(Outcome(gate_->CheckVoucher(Voucher(Adult(1)), Gate(At("08:12")))), "accepted");
  ASSERT_TRUE(
      gate_->ApplyRevocations(std::vector<Revocation>{{.sequence = 1, .ticket_number = Ticket(2)}})
          .has_value());
  Load({Adult(1), Adult(2), Adult(3)});
  EXPECT_EQ(Outcome(gate_->CheckVoucher(Voucher(Adult(1)), Gate(At("08:13")))),
            "already_checked_in");
  EXPECT_EQ(Outcome(gate_->CheckVoucher(Voucher(Adult(2)), Gate(At("08:13")))), "refunded");
  EXPECT_EQ(Outcome(gate_->CheckVoucher(Voucher(Adult(3)), Gate(At("08:13")))), "accepted");

  Result<BoardingManifest> elsewhere = BoardingManifest::Build(Station(testing::kElsewhere), {});
  ASSERT_TRUE(elsewhere.has_value());
  Result<void> replaced = gate_->ReplaceManifest(std::move(*elsewhere));
  ASSERT_FALSE(replaced.has_value());
  EXPECT_EQ(replaced.error().code, ErrorCode::kFailedPrecondition);
}

// ---- ID card ----------------------------------------------------------------------------------

TEST_F(GateVerifierTest, IdCardWithoutATicketOrUnreadable) {
  Load({Adult(1)});
  const GateDecision none = gate_->CheckIdNumber(eticket::IdHashHex(Person(2)), Gate(At("08:12")));
  ASSERT_EQ(Outcome(none), "no_ticket");
  EXPECT_EQ(none.refusal().message_zh, "未找到该证件在本站上车的车票");
  EXPECT_FALSE(none.refusal().ticket_number.has_value());
  const GateDecision bad = gate_->CheckIdNumber("not-hex", Gate(At("08:12")));
  ASSERT_EQ(Outcome(bad), "damaged");
  EXPECT_EQ(bad.refusal().message_en, "cannot read the ID card; swipe it again");
  EXPECT_EQ(Outcome(gate_->CheckIdNumber(std::string(64, 'z'), Gate(At("08:12")))), "damaged");
}

TEST_F(GateVerifierTest, IdCardFindsTheTicketBoardingNow) {
  // One passenger (person 1) with a morning and an afternoon ticket.
  ManifestTicket morning = Adult(1);
  ManifestTicket afternoon = Adult(2, testing::kAfternoonRun);
  afternoon.id_hash = Person(1);
  Load({afternoon, morning});
  const std::string card = eticket::IdHashHex(Person(1));

  // 07:00: neither is open; the morning one is next.
  const GateDecision early = gate_->CheckIdNumber(card, Gate(At("07:00")));
  ASSERT_EQ(Outcome(early), "too_early");
  EXPECT_EQ(early.refusal().ticket_number, Ticket(1));
  // 08:12: the morning ticket.
  const GateDecision now = gate_->CheckIdNumber(card, Gate(At("08:12")));
  ASSERT_EQ(Outcome(now), "accepted");
  EXPECT_EQ(now.admission().ticket_number, Ticket(1));
  // 09:00: the morning one is used and gone; the afternoon one opens at 13:20.
  const GateDecision later = gate_->CheckIdNumber(card, Gate(At("09:00")));
  ASSERT_EQ(Outcome(later), "too_early");
  EXPECT_EQ(later.refusal().ticket_number, Ticket(2));
  EXPECT_EQ(later.refusal().message_en,
            "too early: check-in for run 370102001-20261122-K0302 opens at 13:20");
  // 13:30: the afternoon ticket.
  const GateDecision afternoon_now = gate_->CheckIdNumber(card, Gate(At("13:30")));
  ASSERT_EQ(Outcome(afternoon_now), "accepted");
  EXPECT_EQ(afternoon_now.admission().ticket_number, Ticket(2));
  // 14:05: both used; the latest one is told.
  const GateDecision after = gate_->CheckIdNumber(card, Gate(At("14:05")));
  ASSERT_EQ(Outcome(after), "already_checked_in");
  EXPECT_EQ(after.refusal().ticket_number, Ticket(2));
}

TEST_F(GateVerifierTest, IdCardPrefersALiveTicketToARevokedOne) {
  // Refunded the morning ticket and bought the afternoon one.
  ManifestTicket morning = Adult(1);
  morning.status = TicketStatus::kRefunded;
  ManifestTicket afternoon = Adult(2, testing::kAfternoonRun);
  afternoon.id_hash = Person(1);
  Load({morning, afternoon});
  const GateDecision d = gate_->CheckIdNumber(eticket::IdHashHex(Person(1)), Gate(At("08:12")));
  ASSERT_EQ(Outcome(d), "too_early");
  EXPECT_EQ(d.refusal().ticket_number, Ticket(2));
}

TEST_F(GateVerifierTest, FaceVerificationRecordsItsMethod) {
  Load({Adult(1)});
  const GateDecision d = gate_->CheckIdHash(Person(1), CheckinMethod::kFace, Gate(At("08:12")));
  ASSERT_EQ(Outcome(d), "accepted");
  EXPECT_EQ(gate_->FindCheckin(Ticket(1))->method, CheckinMethod::kFace);
}

TEST_F(GateVerifierTest, ClearCheckinsStartsAfresh) {
  Load({Adult(1)});
  ASSERT_EQ(Outcome(gate_->CheckVoucher(Voucher(Adult(1)), Gate(At("08:12")))), "accepted");
  gate_->ClearCheckins();
  EXPECT_EQ(gate_->local_checkin_count(), 0u);
  EXPECT_FALSE(gate_->FindCheckin(Ticket(1)).has_value());
  EXPECT_EQ(Outcome(gate_->CheckVoucher(Voucher(Adult(1)), Gate(At("08:13")))), "accepted");
}

}  // namespace
}  // namespace keyun::checkin
