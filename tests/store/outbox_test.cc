// The event outbox (store/outbox.h): bodies round-trip; sequences are gap-free across rolled
// back transactions, given once under concurrent writers, and never below one already given,
// on every engine.
#include "store/outbox.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "support/outbox_events.h"
#include "test_database.h"

namespace keyun::store {
namespace {

TEST(OutboxBodyTest, RoundTripsEveryCharacterItWrites) {
  const std::vector<std::pair<std::string, std::string>> fields = {
      {"driver", "王强"},
      {"quote", "say \"hi\" \\ back"},
      {"lines", "a\nb\r\tc"},
      {"control", std::string("\x01\x1f", 2)},
      {"empty", ""}};
  const std::string body = OutboxBodyJson(fields);
  EXPECT_EQ(body.substr(0, 18), "{\"driver\":\"王强\"");
  EXPECT_NE(body.find("\\u0001\\u001f"), std::string::npos);
  auto back = ParseOutboxBody(body);
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(*back, fields);
  EXPECT_EQ(OutboxBodyJson({}), "{}");
  EXPECT_TRUE(ParseOutboxBody("{}")->empty());
  EXPECT_FALSE(ParseOutboxBody("{\"a\":1}"));
  EXPECT_FALSE(ParseOutboxBody("{\"a\":\"b\""));
  EXPECT_FALSE(ParseOutboxBody("{\"a\":\"\\q\"}"));
}

class OutboxTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    database_ = std::make_unique<TestDatabase>(GetParam());
    ASSERT_TRUE(database_->ok());
    auto opened = Store::Open(database_->location());
    ASSERT_TRUE(opened) << opened.error().ToString();
    store_ = std::move(*opened);
    ASSERT_TRUE(store_->Migrate());
  }
  void TearDown() override {
    store_.reset();
    database_.reset();
  }
  Result<void> Append(const std::string& subject, bool roll_back = false) {
    return store_->RunTransaction([&](Transaction& tx) -> Result<void> {
      auto appended = AppendEvent(tx, OutboxEvent{.kind = "departed", .subject = subject,
                                                  .at = core::Instant::FromUnixMicros(1'000'000),
                                                  .fields = {{"run_id", subject}}});
      if (!appended) return appended;
      if (roll_back) return FailedPrecondition("rolled back on purpose");
      return {};
    });
  }
  std::vector<OutboxEvent> Read(std::int64_t after = 0) {
    auto events = store_->Transact<std::vector<OutboxEvent>>(
        [&](Transaction& tx) { return ReadEvents(tx, after, 100000); }, {.read_only = true});
    EXPECT_TRUE(events) << events.error().ToString();
    return events ? *events : std::vector<OutboxEvent>{};
  }
  int SequenceAll() { return testing::SequenceAllEvents(*store_); }

  std::unique_ptr<TestDatabase> database_;
  std::unique_ptr<Store> store_;
};

TEST_P(OutboxTest, SequencesHaveNoGapsAcrossRollbacks) {
  ASSERT_TRUE(Append("run-1"));
  EXPECT_FALSE(Append("run-lost", /*roll_back=*/true));
  ASSERT_TRUE(Append("run-2"));
  EXPECT_TRUE(Read().empty()) << "an appended event is not readable before it is numbered";
  EXPECT_EQ(SequenceAll(), 2);
  auto events = Read();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].sequence, 1);
  EXPECT_EQ(events[0].subject, "run-1");
  EXPECT_EQ(events[1].sequence, 2);
  EXPECT_EQ(events[1].fields, (std::vector<std::pair<std::string, std::string>>{
                                  {"run_id", "run-2"}}));
  auto after_first = Read(1);
  ASSERT_EQ(after_first.size(), 1u);
  EXPECT_EQ(after_first.front().subject, "run-2");

  // Numbering again changes nothing; a later event continues the sequence.
  EXPECT_EQ(SequenceAll(), 0);
  ASSERT_TRUE(Append("run-3"));
  EXPECT_EQ(SequenceAll(), 1);
  events = Read();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[2].sequence, 3);
  EXPECT_EQ(events[2].subject, "run-3");
  EXPECT_FALSE(SequenceEvents(*store_, 0));
}

// Many writers append while the sequencer runs: every committed event gets exactly one
// sequence, 1..N without a gap, and each writer's events keep their order.
TEST_P(OutboxTest, ConcurrentAppendsAreEachNumberedOnceInOrderPerWriter) {
  constexpr int kWriters = 6, kEach = 40;
  std::atomic<bool> done{false};
  std::thread sequencer([&] {
    while (!done.load()) {
      auto n = SequenceEvents(*store_, 7);  // small batches: many numbering rounds
      EXPECT_TRUE(n) << n.error().ToString();
    }
  });
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kEach; ++i) {
        auto appended = Append("w" + std::to_string(w) + (i < 10 ? "-00" : "-0") + std::to_string(i), /*roll_back=*/i % 9 == 4);
        EXPECT_EQ(appended.has_value(), i % 9 != 4);
      }
    });
  }
  for (auto& t : writers) t.join();
  done = true;
  sequencer.join();
  SequenceAll();
  auto events = Read();
  const int kept = kWriters * (kEach - 4);  // i = 4, 13, 22, 31 roll back
  ASSERT_EQ(static_cast<int>(events.size()), kept);
  std::map<int, std::string> last_of_writer;
  for (int i = 0; i < kept; ++i) {
    EXPECT_EQ(events[i].sequence, i + 1);
    const std::string& subject = events[i].subject;
    int writer = subject[1] - '0';
    EXPECT_LT(last_of_writer[writer], subject) << "writer " << writer << " out of order";
    last_of_writer[writer] = subject;
  }
}

// PostgreSQL commits in any order: an event of a transaction still running holds back every
// newer one, so nothing numbered later can precede what a shipper has already read.
TEST_P(OutboxTest, AnOpenOlderTransactionHoldsBackNewerEvents) {
  if (GetParam() != Backend::kPostgres) {
    GTEST_SKIP() << "SQLite runs one writer at a time: an event it sees is final";
  }
  std::mutex mu;
  std::condition_variable cv;
  bool appended = false, release = false;
  std::thread older([&] {
    auto done = store_->RunTransaction([&](Transaction& tx) -> Result<void> {
      auto event = AppendEvent(tx, OutboxEvent{.kind = "sold", .subject = "older",
                                               .at = core::Instant::FromUnixMicros(1)});
      if (!event) return event;
      std::unique_lock lock(mu);
      appended = true;
      cv.notify_all();
      cv.wait(lock, [&] { return release; });
      return {};
    });
    EXPECT_TRUE(done) << done.error().ToString();
  });
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return appended; });
  }
  ASSERT_TRUE(Append("newer"));  // commits first
  auto n = SequenceEvents(*store_);
  ASSERT_TRUE(n) << n.error().ToString();
  EXPECT_EQ(*n, 0) << "the newer event was numbered while an older writer was still open";
  {
    std::lock_guard lock(mu);
    release = true;
    cv.notify_all();
  }
  older.join();
  EXPECT_EQ(SequenceAll(), 2);
  auto events = Read();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].subject, "older");
  EXPECT_EQ(events[1].subject, "newer");
}

TEST_P(OutboxTest, RefusesEventsWithoutKindOrSubject) {
  auto bad = store_->RunTransaction([](Transaction& tx) {
    return AppendEvent(tx, OutboxEvent{.kind = "", .subject = "x"});
  });
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "kind");
  auto no_subject = store_->RunTransaction([](Transaction& tx) {
    return AppendEvent(tx, OutboxEvent{.kind = "departed", .subject = ""});
  });
  ASSERT_FALSE(no_subject);
  EXPECT_EQ(no_subject.error().field, "subject");
  auto bad_limit = store_->Transact<std::vector<OutboxEvent>>(
      [](Transaction& tx) { return ReadEvents(tx, 0, 0); });
  ASSERT_FALSE(bad_limit);
  EXPECT_EQ(bad_limit.error().field, "limit");
}

INSTANTIATE_TEST_SUITE_P(Engines, OutboxTest,
                         ::testing::Values(Backend::kSqliteFile, Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return BackendName(info.param);
                         });

}  // namespace
}  // namespace keyun::store
