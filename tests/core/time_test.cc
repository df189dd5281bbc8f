#include "core/time.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>
#include <vector>

namespace keyun::core {
namespace {

using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::minutes;
using std::chrono::seconds;

LocalDate Date(std::string_view text) {
  Result<LocalDate> d = LocalDate::Parse(text);
  EXPECT_TRUE(d) << text << ": " << d.error().ToString();
  return d.value_or(LocalDate());
}

TimeOfDay Time(std::string_view text) { return *TimeOfDay::Parse(text); }

template <class T>
void ExpectInvalid(const Result<T>& r, std::string_view needle = {}) {
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find(needle), std::string::npos) << r.error().message;
}

// ---- LocalDate ------------------------------------------------------------------------------

TEST(LocalDateTest, ParsesAndFormats) {
  const LocalDate d = Date("2026-11-22");
  EXPECT_EQ(d.year(), 2026);
  EXPECT_EQ(d.month(), 11);
  EXPECT_EQ(d.day(), 22);
  EXPECT_EQ(d.ToString(), "2026-11-22");
  EXPECT_EQ(d.Compact(), "20261122");
  EXPECT_EQ(*LocalDate::ParseCompact("20261122"), d);
  EXPECT_EQ(Date("0001-01-01").ToString(), "0001-01-01");
  EXPECT_EQ(LocalDate().ToString(), "1970-01-01");
}

TEST(LocalDateTest, LeapYears) {
  EXPECT_TRUE(LocalDate::IsLeapYear(2024));
  EXPECT_TRUE(LocalDate::IsLeapYear(2000));   // divisible by 400
  EXPECT_FALSE(LocalDate::IsLeapYear(1900));  // divisible by 100 only
  EXPECT_FALSE(LocalDate::IsLeapYear(2023));
  EXPECT_TRUE(LocalDate::Parse("2024-02-29"));
  EXPECT_TRUE(LocalDate::Parse("2000-02-29"));
  ExpectInvalid(LocalDate::Parse("2023-02-29"), "no day 29");
  ExpectInvalid(LocalDate::Parse("1900-02-29"), "no day 29");
  ExpectInvalid(LocalDate::Parse("2024-02-30"), "no day 30");
  EXPECT_EQ(LocalDate::DaysInMonth(2024, 2), 29);
  EXPECT_EQ(LocalDate::DaysInMonth(2023, 2), 28);
  EXPECT_EQ(LocalDate::DaysInMonth(2023, 4), 30);
  EXPECT_EQ(LocalDate::DaysInMonth(2023, 12), 31);
}

TEST(LocalDateTest, RejectsImpossibleAndMalformedDates) {
  ExpectInvalid(LocalDate::Parse("2026-13-01"), "month 13");
  ExpectInvalid(LocalDate::Parse("2026-00-10"), "month 00");
  ExpectInvalid(LocalDate::Parse("2026-04-31"), "no day 31");
  ExpectInvalid(LocalDate::Parse("2026-04-00"), "no day 00");
  ExpectInvalid(LocalDate::Parse("0000-01-01"), "year 0000");
  ExpectInvalid(LocalDate::Parse(""), "YYYY-MM-DD");
  ExpectInvalid(LocalDate::Parse("2026-1-22"), "YYYY-MM-DD");
  ExpectInvalid(LocalDate::Parse("2026/11/22"), "YYYY-MM-DD");
  ExpectInvalid(LocalDate::Parse("20261122"), "YYYY-MM-DD");
  ExpectInvalid(LocalDate::Parse("2026-11-22 "), "YYYY-MM-DD");
  ExpectInvalid(LocalDate::Parse("2026-11-2a"), "YYYY-MM-DD");
  ExpectInvalid(LocalDate::ParseCompact("2026-11-22"), "YYYYMMDD");
  ExpectInvalid(LocalDate::ParseCompact("2026112"), "YYYYMMDD");
  ExpectInvalid(LocalDate::ParseCompact("20230229"), "no day 29");
  ExpectInvalid(LocalDate::ParseCompact("20261301"), "month 13");
  ExpectInvalid(LocalDate::FromYmd(2026, 2, 29), "no day 29");
  ExpectInvalid(LocalDate::FromYmd(10000, 1, 1), "1 to 9999");
  ExpectInvalid(LocalDate::FromYmd(2026, 0, 1), "month 0");
}

TEST(LocalDateTest, DaysSinceEpoch) {
  // Computed with python3: (date(y, m, d) - date(1970, 1, 1)).days
  EXPECT_EQ(Date("1970-01-01").Days(), 0);
  EXPECT_EQ(Date("2000-01-01").Days(), 10957);
  EXPECT_EQ(Date("2026-11-22").Days(), 20779);
  EXPECT_EQ(Date("1969-12-31").Days(), -1);
  EXPECT_EQ(Date("0001-01-01").Days(), -719162);
  EXPECT_EQ(LocalDate::FromDays(20779), Date("2026-11-22"));
  EXPECT_EQ(LocalDate::FromDays(-1), Date("1969-12-31"));
}

TEST(LocalDateTest, DaysRoundTripOverAWideRange) {
  LocalDate previous = LocalDate::FromDays(-200000);
  for (std::int64_t days = -199999; days <= 200000; ++days) {
    const LocalDate d = LocalDate::FromDays(days);
    ASSERT_EQ(d.Days(), days);
    ASSERT_LT(previous, d);
    ASSERT_TRUE(LocalDate::FromYmd(d.year(), d.month(), d.day()));
    previous = d;
  }
}

TEST(LocalDateTest, FromDaysOutsideYears1To9999Throws) {
  EXPECT_THROW((void)LocalDate::FromDays(-719163), std::out_of_range);
  EXPECT_THROW((void)LocalDate::FromDays(2932897), std::out_of_range);
  EXPECT_EQ(LocalDate::FromDays(2932896).ToString(), "9999-12-31");
  EXPECT_THROW((void)Date("9999-12-31").AddDays(1), std::out_of_range);
}

TEST(LocalDateTest, AddDaysCrossesMonthsYearsAndLeapDays) {
  EXPECT_EQ(Date("2026-11-22").AddDays(15), Date("2026-12-07"));
  EXPECT_EQ(Date("2026-12-31").AddDays(1), Date("2027-01-01"));
  EXPECT_EQ(Date("2024-02-28").AddDays(1), Date("2024-02-29"));
  EXPECT_EQ(Date("2023-02-28").AddDays(1), Date("2023-03-01"));
  EXPECT_EQ(Date("2024-03-01").AddDays(-1), Date("2024-02-29"));
  EXPECT_EQ(Date("2026-01-01").AddDays(-1), Date("2025-12-31"));
  EXPECT_EQ(Date("2026-11-22").AddDays(0), Date("2026-11-22"));
}

TEST(LocalDateTest, DayOfWeek) {
  // Checked against python3 date.isoweekday().
  EXPECT_EQ(Date("2026-11-22").DayOfWeek(), 7);  // Sunday
  EXPECT_EQ(Date("2026-11-23").DayOfWeek(), 1);  // Monday
  EXPECT_EQ(Date("1970-01-01").DayOfWeek(), 4);  // Thursday
  EXPECT_EQ(Date("2000-01-01").DayOfWeek(), 6);  // Saturday
  EXPECT_EQ(Date("2024-02-29").DayOfWeek(), 4);  // Thursday
  EXPECT_EQ(Date("1949-10-01").DayOfWeek(), 6);  // Saturday
  EXPECT_EQ(Date("1969-12-31").DayOfWeek(), 3);  // Wednesday
}

TEST(LocalDateTest, Ordering) {
  EXPECT_LT(Date("2026-11-22"), Date("2026-11-23"));
  EXPECT_LT(Date("2026-11-30"), Date("2026-12-01"));
  EXPECT_LT(Date("2025-12-31"), Date("2026-01-01"));
  EXPECT_EQ(Date("2026-11-22"), *LocalDate::FromYmd(2026, 11, 22));
}

// ---- TimeOfDay ------------------------------------------------------------------------------

TEST(TimeOfDayTest, ParsesAndFormats) {
  EXPECT_EQ(Time("08:30").minutes(), 510);
  EXPECT_EQ(Time("08:30").hour(), 8);
  EXPECT_EQ(Time("08:30").minute(), 30);
  EXPECT_EQ(Time("00:00").minutes(), 0);
  EXPECT_EQ(Time("23:59").minutes(), 1439);
  EXPECT_EQ(Time("08:30").ToString(), "08:30");
  EXPECT_EQ(TimeOfDay::FromMinutes(1439)->ToString(), "23:59");
  EXPECT_EQ(TimeOfDay::FromMinutes(5)->ToString(), "00:05");
  EXPECT_LT(Time("08:30"), Time("08:31"));
}

TEST(TimeOfDayTest, RejectsInvalid) {
  ExpectInvalid(TimeOfDay::Parse("24:00"), "00–23");
  ExpectInvalid(TimeOfDay::Parse("12:60"), "00–59");
  ExpectInvalid(TimeOfDay::Parse("8:30"), "HH:MM");
  ExpectInvalid(TimeOfDay::Parse("08:30:00"), "HH:MM");
  ExpectInvalid(TimeOfDay::Parse("0830"), "HH:MM");
  ExpectInvalid(TimeOfDay::Parse(""), "HH:MM");
  ExpectInvalid(TimeOfDay::FromMinutes(-1), "0–1439");
  ExpectInvalid(TimeOfDay::FromMinutes(1440), "0–1439");
}

// ---- Instant --------------------------------------------------------------------------------

TEST(InstantTest, ShanghaiIsUtcPlusEight) {
  // python3: datetime(2026, 11, 22, 0, 30, tzinfo=timezone.utc).timestamp() == 1795307400
  const Instant at = Instant::FromShanghai(Date("2026-11-22"), Time("08:30"));
  EXPECT_EQ(at.unix_micros(), 1'795'307'400'000'000);
  EXPECT_EQ(at.ShanghaiDate(), Date("2026-11-22"));
  EXPECT_EQ(at.ShanghaiTime(), Time("08:30"));
  EXPECT_EQ(at.ToIso8601(), "2026-11-22T08:30:00+08:00");
}

TEST(InstantTest, ShanghaiDateChangesEightHoursBeforeUtcMidnight) {
  // 2026-11-21T16:00:00Z (python3: 1795276800) is midnight in Shanghai.
  const Instant midnight = Instant::FromUnixMicros(1'795'276'800'000'000);
  EXPECT_EQ(midnight.ShanghaiDate(), Date("2026-11-22"));
  EXPECT_EQ(midnight.ShanghaiTime(), Time("00:00"));
  EXPECT_EQ(midnight, Instant::FromShanghai(Date("2026-11-22"), Time("00:00")));
  const Instant before = midnight - microseconds(1);
  EXPECT_EQ(before.ShanghaiDate(), Date("2026-11-21"));
  EXPECT_EQ(before.ShanghaiTime(), Time("23:59"));
  EXPECT_EQ(before.ToIso8601(), "2026-11-21T23:59:59+08:00");
  // UTC midnight is 08:00 in Shanghai, on the same date.
  const Instant utc_midnight = midnight + hours(8);
  EXPECT_EQ(utc_midnight.ShanghaiDate(), Date("2026-11-22"));
  EXPECT_EQ(utc_midnight.ShanghaiTime(), Time("08:00"));
}

TEST(InstantTest, BeforeTheEpoch) {
  // 1970-01-01T00:00:00Z is 08:00 in Shanghai; one second earlier is still 1970-01-01 there.
  EXPECT_EQ(Instant().ToIso8601(), "1970-01-01T08:00:00+08:00");
  EXPECT_EQ(Instant::FromUnixMicros(-1'000'000).ToIso8601(), "1970-01-01T07:59:59+08:00");
  // -8 h - 1 µs is 1969-12-31T23:59:59.999999 in Shanghai: truncated to the second.
  const Instant t = Instant::FromUnixMicros(-8LL * 3600 * 1'000'000 - 1);
  EXPECT_EQ(t.ShanghaiDate(), Date("1969-12-31"));
  EXPECT_EQ(t.ToIso8601(), "1969-12-31T23:59:59+08:00");
}

TEST(InstantTest, ArithmeticAndComparison) {
  const Instant at = Instant::FromShanghai(Date("2026-11-22"), Time("08:30"));
  EXPECT_EQ((at - minutes(120)).ShanghaiTime(), Time("06:30"));
  EXPECT_EQ((at + minutes(16 * 60)).ShanghaiDate(), Date("2026-11-23"));
  EXPECT_EQ((at + seconds(1)) - at, microseconds(1'000'000));
  EXPECT_EQ(minutes(5) + at, at + minutes(5));
  EXPECT_LT(at, at + microseconds(1));
  Instant t = at;
  t += hours(1);
  t -= minutes(30);
  EXPECT_EQ(t.ShanghaiTime(), Time("09:00"));
}

TEST(InstantTest, ParsesIso8601WithOffsets) {
  const Instant expected = Instant::FromShanghai(Date("2026-11-22"), Time("08:30"));
  for (std::string_view text :
       {"2026-11-22T08:30:00+08:00", "2026-11-22T00:30:00Z", "2026-11-22T00:30:00z",
        "2026-11-21T19:30:00-05:00", "2026-11-22T08:30:00+0800", "2026-11-22T08:30:00+08",
        "2026-11-22t08:30:00+08:00", "2026-11-22 08:30:00+08:00", "2026-11-22T05:00:00+04:30",
        "2026-11-22T00:30:00+00:00", "2026-11-22T00:30:00-00:00"}) {
    Result<Instant> parsed = Instant::ParseIso8601(text);
    ASSERT_TRUE(parsed) << text << ": " << parsed.error().ToString();
    EXPECT_EQ(*parsed, expected) << text;
  }
  // python3: datetime(2026,11,22,0,30,tzinfo=timezone(timedelta(hours=-5))).timestamp()
  EXPECT_EQ(Instant::ParseIso8601("2026-11-22T00:30:00-05:00")->unix_micros(),
            1'795'325'400'000'000);
}

TEST(InstantTest, ParsesFractionsOfASecond) {
  const Instant base = *Instant::ParseIso8601("2026-11-22T08:30:00+08:00");
  EXPECT_EQ(*Instant::ParseIso8601("2026-11-22T08:30:00.5+08:00") - base, microseconds(500000));
  EXPECT_EQ(*Instant::ParseIso8601("2026-11-22T00:30:00.123456Z") - base, microseconds(123456));
  EXPECT_EQ(*Instant::ParseIso8601("2026-11-22T08:30:00.123456789+08:00") - base,
            microseconds(123456));
}

TEST(InstantTest, Iso8601RoundTrips) {
  for (std::int64_t seconds_since_epoch :
       {0LL, 1LL, -1LL, 1795307400LL, 694224000LL, 253402300799LL - 8 * 3600}) {
    const Instant t = Instant::FromUnixMicros(seconds_since_epoch * 1'000'000);
    Result<Instant> back = Instant::ParseIso8601(t.ToIso8601());
    ASSERT_TRUE(back) << t.ToIso8601();
    EXPECT_EQ(*back, t) << t.ToIso8601();
  }
}

TEST(InstantTest, RejectsMalformedIso8601) {
  ExpectInvalid(Instant::ParseIso8601(""), "expected ISO 8601");
  ExpectInvalid(Instant::ParseIso8601("2026-11-22"), "expected ISO 8601");
  ExpectInvalid(Instant::ParseIso8601("2026-11-22T08:30:00"), "offset is missing");
  ExpectInvalid(Instant::ParseIso8601("2026-11-22T08:30+08:00"), "expected ISO 8601");
  ExpectInvalid(Instant::ParseIso8601("2026-11-22T24:00:00+08:00"), "hours run 00–23");
  ExpectInvalid(Instant::ParseIso8601("2026-11-22T08:60:00+08:00"), "minutes");
  ExpectInvalid(Instant::ParseIso8601("2026-11-22T08:30:60+08:00"), "seconds");
  ExpectInvalid(Instant::ParseIso8601("2026-02-30T08:30:00+08:00"), "no day 30");
  ExpectInvalid(Instant::ParseIso8601("2026-11-22T08:30:00+24:00"), "bad UTC offset");
  ExpectInvalid(Instant::ParseIso8601("2026-11-22T08:30:00+08:60"), "bad UTC offset");
  ExpectInvalid(Instant::ParseIso8601("2026-11-22T08:30:00+8:00"), "bad UTC offset");
  ExpectInvalid(Instant::ParseIso8601("2026-11-22T08:30:00+08:00 "), "after the offset");
  ExpectInvalid(Instant::ParseIso8601("2026-11-22T08:30:00Zjunk"), "after the offset");
  ExpectInvalid(Instant::ParseIso8601("2026-11-22T08:30:00.+08:00"), "no digits after");
  ExpectInvalid(Instant::ParseIso8601("2026-11-22X08:30:00+08:00"), "expected ISO 8601");
  ExpectInvalid(Instant::ParseIso8601("2026-11-22T08:30:00 +08:00"), "expected ISO 8601");
}

// ---- Clocks ---------------------------------------------------------------------------------

TEST(ClockTest, SystemClockIsRecent) {
  SystemClock clock;
  const Instant now = clock.Now();
  // After 2025-01-01 and before 2100: a sanity check, not a precision test.
  EXPECT_GT(now, Instant::FromShanghai(Date("2025-01-01"), Time("00:00")));
  EXPECT_LT(now, Instant::FromShanghai(Date("2100-01-01"), Time("00:00")));
  EXPECT_LE(now, clock.Now());
}

TEST(ClockTest, FakeClockMovesOnlyWhenTold) {
  const Instant start = Instant::FromShanghai(Date("2026-11-22"), Time("08:00"));
  FakeClock clock(start);
  const Clock& as_clock = clock;
  EXPECT_EQ(as_clock.Now(), start);
  clock.Advance(minutes(15));
  EXPECT_EQ(clock.Now().ShanghaiTime(), Time("08:15"));
  clock.Set(start + hours(24));
  EXPECT_EQ(clock.Now().ShanghaiDate(), Date("2026-11-23"));
  EXPECT_EQ(FakeClock().Now(), Instant());
}

TEST(ClockTest, FakeClockAdvanceIsThreadSafe) {
  FakeClock clock;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&clock] {
      for (int i = 0; i < 10000; ++i) clock.Advance(microseconds(1));
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(clock.Now().unix_micros(), 40000);
}

}  // namespace
}  // namespace keyun::core
