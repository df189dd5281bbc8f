// Reimbursement tickets (报销凭证, sales/reimbursement_tickets.h) on SQLite and PostgreSQL:
// printed once, reprinted (重打) only on a station manager's approval and marked, retried
// requests never print twice, racing first prints print once, and a machine asks for the ID.
#include "sales/reimbursement_tickets.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "eticket/issuer_keys.h"
#include "sales/sales_fixture.h"
#include "support/test_tools.h"

namespace keyun::sales {
namespace {

class ReimbursementTest : public SalesTest {
 protected:
  void SetUp() override {
    SalesTest::SetUp();
    if (HasFatalFailure()) return;
    auto keys = eticket::IssuerKeyStore::Open(*store_, *key_file_, *core::ProvinceCode::Parse("37"), clock_);
    ASSERT_TRUE(keys) << keys.error().ToString();
    issuer_keys_ = std::move(*keys);
    auto personal = LoadOrCreatePersonalDataKeys(*store_, *key_file_);
    ASSERT_TRUE(personal);
    hasher_ = std::make_unique<core::KeyedHasher>(
        std::span<const std::uint8_t, 32>(personal->id_hash_key));
    vouchers_ = std::make_unique<TicketVouchers>(*sales_, *issuer_keys_, *network_);
    prints_ =
        std::make_unique<ReimbursementTickets>(*store_, *sales_, *vouchers_, *network_, clock_);
    station_ = route_->stops[0].station;
    ASSERT_TRUE(keyun::testing::HaveTool("pdftotext")) << "install poppler-utils";
  }

  std::string Sell(int serial) {
    auto order = sales_->CreateOrder(Request({Adult(serial)}, "order-" + std::to_string(serial)));
    EXPECT_TRUE(order) << order.error().ToString();
    if (!order) return "";
    auto paid = sales_->Pay(order->order_id, PaymentMethod::kCash);
    EXPECT_TRUE(paid) << paid.error().ToString();
    last_order_ = order->order_id;
    return paid ? paid->tickets.at(0).ticket_number : "";
  }

  ReimbursementRequest AtWindow(const std::string& ticket, std::string key) {
    return ReimbursementRequest{.ticket_number = ticket,
                                .idempotency_key = std::move(key),
                                .channel = Channel::kWindow,
                                .station = station_,
                                .printed_by = "clerk"};
  }

  network::Staff Manager(std::optional<core::StationCode> station) {
    return network::Staff{.username = "manager", .display_name = "经理",
                          .role = network::Role::kStationManager, .station = station};
  }

  std::string PdfText(const std::string& pdf) { return keyun::testing::PdfToText(dir_, pdf); }

  std::int64_t PrintRows(const std::string& ticket) {
    auto rows = store_->Transact<store::Rows>([&](store::Transaction& tx) {
      return tx.Query("SELECT COUNT(*) FROM reimbursement_prints WHERE ticket_number = $1",
                      {store::Value{ticket}});
    });
    return rows ? rows->at(0).Int(0) : -1;
  }

  std::unique_ptr<eticket::IssuerKeyStore> issuer_keys_;
  std::unique_ptr<core::KeyedHasher> hasher_;
  std::unique_ptr<TicketVouchers> vouchers_;
  std::unique_ptr<ReimbursementTickets> prints_;
  core::StationCode station_ = *core::StationCode::Parse("370102001");
  keyun::testing::TempDir dir_;
  std::string last_order_;  // of the last Sell
};

TEST_P(ReimbursementTest, PrintsOnceAndARetryGivesTheSameDocument) {
  std::string ticket = Sell(1);
  auto first = prints_->Print(AtWindow(ticket, "print-1"));
  ASSERT_TRUE(first) << first.error().ToString();
  EXPECT_EQ(first->sequence, 1);
  EXPECT_FALSE(first->reprint);
  EXPECT_EQ(first->kind, "reimbursement");
  const std::string text = PdfText(first->pdf);
  EXPECT_NE(text.find(ticket), std::string::npos) << text;
  EXPECT_NE(text.find("报销凭证"), std::string::npos) << text;
  EXPECT_NE(text.find(run_->run.id.str().substr(19)), std::string::npos) << text;  // K…
  EXPECT_EQ(text.find("重打"), std::string::npos) << text;

  // The same request again (a retry): the same first print, nothing new on record.
  auto retry = prints_->Print(AtWindow(ticket, "print-1"));
  ASSERT_TRUE(retry) << retry.error().ToString();
  EXPECT_EQ(retry->sequence, 1);
  EXPECT_EQ(retry->printed_at, first->printed_at);
  EXPECT_EQ(PrintRows(ticket), 1);

  // Another request: refused, saying how to get a reprint.
  auto again = prints_->Print(AtWindow(ticket, "print-2"));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(again.error().message.find("重打"), std::string::npos);
  EXPECT_EQ(PrintRows(ticket), 1);

  // The key belongs to that ticket.
  std::string other = Sell(2);
  auto reused = prints_->Print(AtWindow(other, "print-1"));
  ASSERT_FALSE(reused);
  EXPECT_EQ(reused.error().code, ErrorCode::kAlreadyExists);
}

TEST_P(ReimbursementTest, AReprintNeedsAManagerOfThisStationAndIsMarked) {
  std::string ticket = Sell(3);
  ASSERT_TRUE(prints_->Print(AtWindow(ticket, "first")));

  ReimbursementRequest by_clerk = AtWindow(ticket, "second");
  by_clerk.supervisor = Manager(station_);
  by_clerk.supervisor->role = network::Role::kClerk;
  auto clerk = prints_->Print(by_clerk);
  ASSERT_FALSE(clerk);
  EXPECT_EQ(clerk.error().code, ErrorCode::kPermissionDenied);

  ReimbursementRequest elsewhere = AtWindow(ticket, "second");
  elsewhere.supervisor = Manager(route_->stops.back().station);
  auto foreign = prints_->Print(elsewhere);
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().code, ErrorCode::kPermissionDenied);

  ReimbursementRequest approved = AtWindow(ticket, "second");
  approved.supervisor = Manager(station_);
  auto reprint = prints_->Print(approved);
  ASSERT_TRUE(reprint) << reprint.error().ToString();
  EXPECT_EQ(reprint->sequence, 2);
  EXPECT_TRUE(reprint->reprint);
  EXPECT_EQ(reprint->approved_by, "manager");
  const std::string text = PdfText(reprint->pdf);
  EXPECT_NE(text.find("重打"), std::string::npos) << text;
  EXPECT_NE(text.find("第 2 次"), std::string::npos) << text;
  EXPECT_EQ(PrintRows(ticket), 2);
}

TEST_P(ReimbursementTest, AMachineAsksForTheHoldersIdAndListsTheirTickets) {
  std::string ticket = Sell(4);
  ReimbursementRequest kiosk{.ticket_number = ticket,
                             .idempotency_key = "kiosk-1",
                             .channel = Channel::kKiosk,
                             .station = station_,
                             .printed_by = "kiosk@" + station_.str()};
  auto no_id = prints_->Print(kiosk);
  ASSERT_FALSE(no_id);
  EXPECT_EQ(no_id.error().field, "id_number");
  kiosk.id_number = keyun::testing::TestResidentId(5);
  auto wrong = prints_->Print(kiosk);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(PrintRows(ticket), 0);

  auto listed = prints_->TicketsOf("resident_id", keyun::testing::TestResidentId(4));
  ASSERT_TRUE(listed) << listed.error().ToString();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().ticket.ticket_number, ticket);
  EXPECT_EQ(listed->front().prints, 0);

  kiosk.id_number = keyun::testing::TestResidentId(4);
  auto printed = prints_->Print(kiosk);
  ASSERT_TRUE(printed) << printed.error().ToString();
  EXPECT_NE(PdfText(printed->pdf).find("自助机"), std::string::npos);
  EXPECT_EQ(prints_->TicketsOf("resident_id", keyun::testing::TestResidentId(4))->front().prints,
            1);
  auto bad_id = prints_->TicketsOf("resident_id", "110105194912310021");
  ASSERT_FALSE(bad_id);
  EXPECT_EQ(bad_id.error().code, ErrorCode::kInvalidArgument);
}

TEST_P(ReimbursementTest, ARefundedTicketPrintsItsRefundReceiptOnce) {
  std::string ticket = Sell(10);
  auto refund = sales_->Refund(RefundRequest{.ticket_number = ticket,
                                             .idempotency_key = "refund-10",
                                             .channel = Channel::kMobile,
                                             .staff = {},
                                             .access_token = sales_->OrderAccessToken(last_order_)});
  ASSERT_TRUE(refund) << refund.error().ToString();
  ASSERT_GT(refund->ticket.fee.fen(), 0);

  auto receipt = prints_->Print(AtWindow(ticket, "receipt-1"));
  ASSERT_TRUE(receipt) << receipt.error().ToString();
  EXPECT_EQ(receipt->kind, "refund_receipt");
  EXPECT_EQ(receipt->sequence, 1);
  const std::string text = PdfText(receipt->pdf);
  EXPECT_NE(text.find("退票费收据"), std::string::npos) << text;
  EXPECT_NE(text.find(ticket), std::string::npos) << text;
  EXPECT_NE(text.find(refund->ticket.fee.ToYuanDisplay()), std::string::npos) << text;
  EXPECT_NE(text.find(refund->ticket.refunded.ToYuanDisplay()), std::string::npos) << text;
  EXPECT_EQ(text.find("报销凭证"), std::string::npos) << text;

  auto again = prints_->Print(AtWindow(ticket, "receipt-2"));
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("退票费收据"), std::string::npos);
  auto listed = prints_->TicketsOf("resident_id", keyun::testing::TestResidentId(10));
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().ticket.status, "refunded");
  EXPECT_EQ(listed->front().prints, 1);
}

TEST_P(ReimbursementTest, ConcurrentRequestsPrintOnce) {
  std::string ticket = Sell(6), other = Sell(7);
  constexpr int kThreads = 8;
  std::atomic<int> printed{0}, refused{0}, same{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    // Different requests for one ticket: one first print, the rest refused.
    threads.emplace_back([&, i] {
      auto r = prints_->Print(AtWindow(ticket, "race-" + std::to_string(i)));
      if (r && r->sequence == 1) ++printed;
      if (!r && r.error().code == ErrorCode::kFailedPrecondition) ++refused;
    });
    // One request retried in parallel: every answer is that one print.
    threads.emplace_back([&] {
      auto r = prints_->Print(AtWindow(other, "retried"));
      if (r && r->sequence == 1) ++same;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(printed.load(), 1);
  EXPECT_EQ(refused.load(), kThreads - 1);
  EXPECT_EQ(same.load(), kThreads);
  EXPECT_EQ(PrintRows(ticket), 1);
  EXPECT_EQ(PrintRows(other), 1);
}

TEST_P(ReimbursementTest, OnlyAnIssuedTicketPrintsAndTheKeyIsRequired) {
  auto held = sales_->CreateOrder(Request({Adult(8)}, "held-8"));
  ASSERT_TRUE(held);
  auto unknown = prints_->Print(AtWindow(
      core::TicketNumber::Make(*core::ProvinceCode::Parse("37"),
                               *core::LocalDate::Parse("2026-11-23"), 99999999)
          ->str(),
      "k"));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  std::string ticket = Sell(9);
  auto no_key = prints_->Print(AtWindow(ticket, ""));
  ASSERT_FALSE(no_key);
  EXPECT_EQ(no_key.error().field, "Idempotency-Key");
}

// The passenger holds paper worth the fare once the reimbursement ticket is printed: a refund
// then happens at a window, where the clerk takes it back, and only there.
TEST_P(ReimbursementTest, APrintedTicketIsRefundedOnlyAtAWindow) {
  std::string ticket = Sell(20);
  ASSERT_TRUE(prints_->Print(AtWindow(ticket, "printed-20")));
  RefundRequest online{.ticket_number = ticket,
                       .idempotency_key = "refund-20",
                       .channel = Channel::kMobile,
                       .staff = {},
                       .access_token = sales_->OrderAccessToken(last_order_)};
  auto refused = sales_->Refund(online);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(refused.error().message.find("ticket window"), std::string::npos)
      << refused.error().message;
  online.channel = Channel::kKiosk;
  online.staff = Seller{.staff_username = "kiosk", .station = station_, .machine = true};
  auto kiosk = sales_->QuoteTicketRefund(online);
  ASSERT_FALSE(kiosk);
  EXPECT_EQ(kiosk.error().code, ErrorCode::kFailedPrecondition);

  RefundRequest window = online;
  window.channel = Channel::kWindow;
  window.staff = Seller{.staff_username = "clerk", .station = station_};
  auto refunded = sales_->Refund(window);
  ASSERT_TRUE(refunded) << refunded.error().ToString();
  // Its receipt is a document of its own: printed once, like the reimbursement ticket.
  auto receipt = prints_->Print(AtWindow(ticket, "receipt-20"));
  ASSERT_TRUE(receipt) << receipt.error().ToString();
  EXPECT_EQ(receipt->kind, "refund_receipt");
  EXPECT_EQ(receipt->sequence, 1);
}

// A print and an online refund of one ticket racing: one of them wins, never both — either the
// reimbursement ticket is printed and the refund refused, or the ticket is refunded and the
// print is its refund receipt.
TEST_P(ReimbursementTest, APrintAndAnOnlineRefundRacingNeverBothWin) {
  for (int serial = 30; serial < 36; ++serial) {
    std::string ticket = Sell(serial);
    const std::string order = last_order_;
    std::optional<Result<PrintedDocument>> printed;
    std::optional<Result<RefundResult>> refunded;
    {
      std::jthread print([&] { printed = prints_->Print(AtWindow(ticket, "race-print-" + ticket)); });
      std::jthread refund([&] {
        refunded = sales_->Refund(RefundRequest{.ticket_number = ticket,
                                                .idempotency_key = "race-refund-" + ticket,
                                                .channel = Channel::kMobile,
                                                .staff = {},
                                                .access_token = sales_->OrderAccessToken(order)});
      });
    }
    ASSERT_TRUE(printed->has_value()) << printed->error().ToString();
    if (refunded->has_value()) {
      EXPECT_EQ((*printed)->kind, "refund_receipt") << ticket;
    } else {
      EXPECT_EQ(refunded->error().code, ErrorCode::kFailedPrecondition)
          << refunded->error().ToString();
      EXPECT_EQ((*printed)->kind, "reimbursement") << ticket;
    }
  }
}

TEST_P(ReimbursementTest, AMachineOfAStationThatDoesNotExistIsRefused) {
  std::string ticket = Sell(40);
  ReimbursementRequest kiosk{.ticket_number = ticket,
                             .idempotency_key = "nowhere-1",
                             .channel = Channel::kKiosk,
                             .station = *core::StationCode::Parse("370102999"),
                             .printed_by = "kiosk@370102999",
                             .id_number = keyun::testing::TestResidentId(40)};
  auto refused = prints_->Print(kiosk);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(refused.error().field, "station");
  EXPECT_EQ(PrintRows(ticket), 0);
}

INSTANTIATE_TEST_SUITE_P(Engines, ReimbursementTest,
                         ::testing::Values(keyun::testing::TestEngine::kSqlite,
                                           keyun::testing::TestEngine::kPostgres),
                         [](const auto& info) { return keyun::testing::TestEngineName(info.param); });

}  // namespace
}  // namespace keyun::sales
