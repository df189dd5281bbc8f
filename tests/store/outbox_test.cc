// The event outbox (store/outbox.h): bodies round-trip, sequences are gap-free across rolled
// back transactions, on every engine.
#include "store/outbox.h"

#include <gtest/gtest.h>

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
  Result<std::int64_t> Append(const std::string& subject, bool roll_back = false) {
    return store_->Transact<std::int64_t>([&](Transaction& tx) -> Result<std::int64_t> {
      auto seq = AppendEvent(tx, OutboxEvent{.kind = "departed", .subject = subject,
                                             .at = core::Instant::FromUnixMicros(1'000'000),
                                             .fields = {{"run_id", subject}}});
      if (!seq) return seq;
      if (roll_back) return FailedPrecondition("rolled back on purpose");
      return seq;
    });
  }

  std::unique_ptr<TestDatabase> database_;
  std::unique_ptr<Store> store_;
};

TEST_P(OutboxTest, SequencesHaveNoGapsAcrossRollbacks) {
  EXPECT_EQ(*Append("run-1"), 1);
  EXPECT_FALSE(Append("run-lost", /*roll_back=*/true));
  EXPECT_EQ(*Append("run-2"), 2);
  auto events = store_->Transact<std::vector<OutboxEvent>>(
      [](Transaction& tx) { return ReadEvents(tx, 0, 10); }, {.read_only = true});
  ASSERT_TRUE(events) << events.error().ToString();
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].sequence, 1);
  EXPECT_EQ((*events)[0].subject, "run-1");
  EXPECT_EQ((*events)[1].sequence, 2);
  EXPECT_EQ((*events)[1].fields, (std::vector<std::pair<std::string, std::string>>{
                                     {"run_id", "run-2"}}));
  auto after_first = store_->Transact<std::vector<OutboxEvent>>(
      [](Transaction& tx) { return ReadEvents(tx, 1, 10); }, {.read_only = true});
  ASSERT_TRUE(after_first);
  ASSERT_EQ(after_first->size(), 1u);
  EXPECT_EQ(after_first->front().subject, "run-2");
}

TEST_P(OutboxTest, RefusesEventsWithoutKindOrSubject) {
  auto bad = store_->Transact<std::int64_t>([](Transaction& tx) {
    return AppendEvent(tx, OutboxEvent{.kind = "", .subject = "x"});
  });
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "kind");
  auto no_subject = store_->Transact<std::int64_t>([](Transaction& tx) {
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
