// Run generation and listing, on SQLite and PostgreSQL.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "network/network_service.h"
#include "network_fixture.h"

namespace keyun::network {
namespace {

using testing::DateOf;
using ::testing::ElementsAre;
using testing::kJinan;
using testing::kRoute;
using testing::kTaian;
using testing::NetworkTest;
using testing::ScheduleCodeOf;
using testing::TimeOf;

class RunsTest : public NetworkTest {
 protected:
  void SetUp() override {
    NetworkTest::SetUp();
    if (HasFatalFailure()) return;
    SeedSmallNetwork();
  }

  std::vector<std::string> RunIds(core::LocalDate date,
                                  std::optional<core::StationCode> station = std::nullopt) {
    std::vector<std::string> ids;
    auto runs = network_->ListRuns(date, station);
    EXPECT_TRUE(runs) << runs.error().ToString();
    if (runs) {
      for (const RunSummary& summary : *runs) ids.push_back(summary.run.id.str());
    }
    return ids;
  }
};
KEYUN_NETWORK_ENGINES(RunsTest);

TEST_P(RunsTest, GeneratesOneRunPerOperatingDayAndIsIdempotent) {
  std::vector<std::string> steps;
  auto created = network_->GenerateRuns(
      DateOf("2026-11-20"), DateOf("2026-11-26"), [&](int done, int total, std::string_view step) {
        steps.push_back(fmt::format("{}/{} {}", done, total, step));
      });
  ASSERT_TRUE(created) << created.error().ToString();
  EXPECT_EQ(*created, 7);
  ASSERT_EQ(steps.size(), 7u);
  EXPECT_EQ(steps.front(), "1/7 runs of 2026-11-20: 1 created");
  EXPECT_EQ(steps.back(), "7/7 runs of 2026-11-26: 1 created");

  // Again, and overlapping: nothing twice.
  EXPECT_EQ(network_->GenerateRuns(DateOf("2026-11-20"), DateOf("2026-11-26")).value(), 0);
  EXPECT_EQ(network_->GenerateRuns(DateOf("2026-11-25"), DateOf("2026-11-27")).value(), 1);
  EXPECT_THAT(RunIds(DateOf("2026-11-22")), ElementsAre("370102001-20261122-K0101"));
}

TEST_P(RunsTest, RunsCopyTheScheduleAndListWithNames) {
  ASSERT_TRUE(network_->GenerateRuns(DateOf("2026-11-21"), DateOf("2026-11-21")));
  auto runs = network_->ListRuns(DateOf("2026-11-21"), kJinan);
  ASSERT_TRUE(runs) << runs.error().ToString();
  ASSERT_EQ(runs->size(), 1u);
  const RunSummary& summary = runs->front();
  EXPECT_EQ(summary.run.id.str(), "370102001-20261121-K0101");
  EXPECT_EQ(summary.run.route_code, kRoute);
  EXPECT_EQ(summary.run.status, RunStatus::kOpen);
  EXPECT_EQ(summary.run.kind, RunKind::kRegular);
  EXPECT_EQ(summary.run.seats, 45);
  EXPECT_EQ(summary.run.carrier, testing::CarrierCode());
  EXPECT_EQ(summary.run.vehicle_class, VehicleClass::kLargeHigh1);
  EXPECT_EQ(summary.run.departs_at.ToIso8601(), "2026-11-21T08:30:00+08:00");
  EXPECT_EQ(summary.run.station(), kJinan);
  EXPECT_EQ(summary.run.date(), DateOf("2026-11-21"));
  EXPECT_EQ(summary.departure, TimeOf("08:30"));
  EXPECT_EQ(summary.route_name, "济南—泰安");
  EXPECT_EQ(summary.origin, kJinan);
  EXPECT_EQ(summary.origin_name, "济南长途汽车总站");
  EXPECT_EQ(summary.destination, kTaian);
  EXPECT_EQ(summary.destination_name, "泰安汽车站");
  EXPECT_EQ(summary.carrier_name, "济南交运汽车运输有限公司");

  EXPECT_EQ(network_->GetRun(summary.run.id).value(), summary.run);
  EXPECT_TRUE(network_->ListRuns(DateOf("2026-11-21"), kTaian).value().empty());
  auto missing =
      network_->GetRun(core::RunId::Make(kJinan, DateOf("2026-11-30"), ScheduleCodeOf("K0101")));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);

  // A later schedule change does not move runs already generated.
  Schedule later = testing::MorningSchedule();
  later.departure = TimeOf("09:00");
  later.seats = 40;
  ASSERT_TRUE(network_->UpsertSchedule(later));
  EXPECT_EQ(network_->GetRun(summary.run.id).value().seats, 45);
}

TEST_P(RunsTest, DaysOfOperationAndValidityDecide) {
  Schedule weekend = testing::MorningSchedule();
  weekend.code = ScheduleCodeOf("K0102");
  weekend.departure = TimeOf("07:00");
  weekend.days_mask = ParseDays("67").value();  // Saturday, Sunday
  weekend.kind = RunKind::kExtra;
  Schedule short_lived = testing::MorningSchedule();
  short_lived.code = ScheduleCodeOf("K0103");
  short_lived.departure = TimeOf("12:00");
  short_lived.valid_from = DateOf("2026-11-23");
  short_lived.valid_to = DateOf("2026-11-24");
  Schedule retired = testing::MorningSchedule();
  retired.code = ScheduleCodeOf("K0104");
  retired.departure = TimeOf("15:00");
  retired.active = false;
  const Schedule schedules[] = {weekend, short_lived, retired};
  ASSERT_TRUE(network_->UpsertSchedules(schedules));

  // Fri 20 … Thu 26: K0101 daily (7), K0102 Sat+Sun (2), K0103 Mon+Tue (2), K0104 never.
  EXPECT_EQ(network_->GenerateRuns(DateOf("2026-11-20"), DateOf("2026-11-26")).value(), 11);
  EXPECT_THAT(RunIds(DateOf("2026-11-20")), ElementsAre("370102001-20261120-K0101"));
  EXPECT_THAT(RunIds(DateOf("2026-11-21")),
              ElementsAre("370102001-20261121-K0102", "370102001-20261121-K0101"));  // by time
  EXPECT_THAT(RunIds(DateOf("2026-11-23")),
              ElementsAre("370102001-20261123-K0101", "370102001-20261123-K0103"));
  EXPECT_THAT(RunIds(DateOf("2026-11-25")), ElementsAre("370102001-20261125-K0101"));
  EXPECT_EQ(network_->ListRuns(DateOf("2026-11-22")).value().front().run.kind, RunKind::kExtra);
}

TEST_P(RunsTest, InactiveStationsGetNoRuns) {
  Station closed = testing::JinanStation();
  closed.active = false;
  ASSERT_TRUE(network_->UpsertStation(closed));
  EXPECT_EQ(network_->GenerateRuns(DateOf("2026-11-20"), DateOf("2026-11-22")).value(), 0);
}

TEST_P(RunsTest, DeparturesAlreadyPastAreNotCreated) {
  clock_.Set(core::Instant::FromShanghai(DateOf("2026-11-21"), TimeOf("09:00")));
  // The 20th is gone and the 21st's 08:30 has left: only the 22nd.
  EXPECT_EQ(network_->GenerateRuns(DateOf("2026-11-20"), DateOf("2026-11-22")).value(), 1);
  EXPECT_THAT(RunIds(DateOf("2026-11-22")), ElementsAre("370102001-20261122-K0101"));
}

TEST_P(RunsTest, StatusMovesOnlyAsAllowed) {
  ASSERT_TRUE(network_->GenerateRuns(DateOf("2026-11-21"), DateOf("2026-11-22")));
  const core::RunId run = core::RunId::Make(kJinan, DateOf("2026-11-21"), ScheduleCodeOf("K0101"));
  EXPECT_EQ(network_->SetRunStatus(run, RunStatus::kStopped).value().status, RunStatus::kStopped);
  EXPECT_EQ(network_->SetRunStatus(run, RunStatus::kStopped).value().status, RunStatus::kStopped);
  auto straight_to_departed = network_->SetRunStatus(run, RunStatus::kDeparted);
  ASSERT_FALSE(straight_to_departed);
  EXPECT_EQ(straight_to_departed.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(straight_to_departed.error().field, "status");
  EXPECT_EQ(network_->SetRunStatus(run, RunStatus::kOpen).value().status, RunStatus::kOpen);
  EXPECT_EQ(network_->SetRunStatus(run, RunStatus::kDeparted).value().status, RunStatus::kDeparted);
  EXPECT_EQ(network_->GetRun(run).value().status, RunStatus::kDeparted);
  EXPECT_FALSE(network_->SetRunStatus(run, RunStatus::kOpen));  // departed is final

  const core::RunId other =
      core::RunId::Make(kJinan, DateOf("2026-11-22"), ScheduleCodeOf("K0101"));
  EXPECT_EQ(network_->SetRunStatus(other, RunStatus::kStoppedSold).value().status,
            RunStatus::kStoppedSold);
  EXPECT_EQ(network_->ListRuns(DateOf("2026-11-22")).value().front().run.status,
            RunStatus::kStoppedSold);
  auto missing = network_->SetRunStatus(
      core::RunId::Make(kJinan, DateOf("2026-12-01"), ScheduleCodeOf("K0101")), RunStatus::kOpen);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST_P(RunsTest, RangeIsChecked) {
  auto backwards = network_->GenerateRuns(DateOf("2026-11-22"), DateOf("2026-11-21"));
  ASSERT_FALSE(backwards);
  EXPECT_EQ(backwards.error().code, ErrorCode::kInvalidArgument);
  auto too_long = network_->GenerateRuns(DateOf("2026-11-20"), DateOf("2027-11-21"));
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error().field, "to");
}

}  // namespace
}  // namespace keyun::network
