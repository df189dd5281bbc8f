// Dates and times, all in China Standard Time (Asia/Shanghai).
//
//   Result<LocalDate> date = LocalDate::Parse("2026-11-22");
//   Result<TimeOfDay> departs = TimeOfDay::Parse("08:30");
//   Instant at = Instant::FromShanghai(*date, *departs);
//   at.ToIso8601();                          // "2026-11-22T08:30:00+08:00"
//   (at - std::chrono::minutes(120)) < clock.Now();   // online sales closed?
//
// Asia/Shanghai has been UTC+8 without daylight saving time since 1992 (China observed DST
// from 1986 to 1991), so every conversion here is a fixed +8 hours. Wall-clock times before
// 1992 are out of scope: they are converted with +8 as well, which is wrong for summer days of
// 1986–1991. Dates themselves (birth dates) are plain calendar dates and have no such limit.
//
// Calendar: proleptic Gregorian; LocalDate covers years 1 to 9999.
// Thread-safety: all value types are immutable values; Clock implementations are thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace keyun::core {

// A calendar date (no time, no zone). Always a real date in years 1–9999.
class LocalDate {
 public:
  // 1970-01-01.
  constexpr LocalDate() = default;

  // From year, month (1–12), day (1–31); InvalidArgument unless it is a real date
  // (2023-02-29 and 2026-04-31 are not).
  [[nodiscard]] static Result<LocalDate> FromYmd(int year, int month, int day);

  // "2026-11-22" (exactly YYYY-MM-DD, ASCII digits). InvalidArgument otherwise.
  [[nodiscard]] static Result<LocalDate> Parse(std::string_view text);

  // "20261122" (exactly YYYYMMDD). InvalidArgument otherwise.
  [[nodiscard]] static Result<LocalDate> ParseCompact(std::string_view text);

  // The date `days` days after 1970-01-01 (negative: before).
  // Precondition: the result lies in years 1–9999; throws std::out_of_range otherwise
  // (a programmer error: no user input should reach here unchecked).
  [[nodiscard]] static LocalDate FromDays(std::int64_t days_since_1970);

  // Days since 1970-01-01 (negative before).
  [[nodiscard]] std::int64_t Days() const;

  // This date plus `days` (may be negative). Same precondition as FromDays.
  [[nodiscard]] LocalDate AddDays(std::int64_t days) const;

  // ISO weekday: 1 = Monday … 7 = Sunday.
  [[nodiscard]] int DayOfWeek() const;

  [[nodiscard]] static bool IsLeapYear(int year);
  [[nodiscard]] static int DaysInMonth(int year, int month);

  // "2026-11-22".
  [[nodiscard]] std::string ToString() const;
  // "20261122".
  [[nodiscard]] std::string Compact() const;

  [[nodiscard]] int year() const { return year_; }
  [[nodiscard]] int month() const { return month_; }
  [[nodiscard]] int day() const { return day_; }

  // Chronological order (year, then month, then day).
  auto operator<=>(const LocalDate&) const = default;
  bool operator==(const LocalDate&) const = default;

 private:
  constexpr LocalDate(int year, int month, int day) : year_(year), month_(month), day_(day) {}

  int year_ = 1970;
  int month_ = 1;
  int day_ = 1;
};

// A wall-clock time of day to the minute, 00:00 to 23:59 (timetables are by the minute).
class TimeOfDay {
 public:
  // 00:00.
  constexpr TimeOfDay() = default;

  // "08:30" (exactly HH:MM, 24-hour, ASCII digits). InvalidArgument otherwise.
  [[nodiscard]] static Result<TimeOfDay> Parse(std::string_view text);

  // From minutes since midnight, 0–1439; InvalidArgument otherwise.
  [[nodiscard]] static Result<TimeOfDay> FromMinutes(int minutes_since_midnight);

  [[nodiscard]] int minutes() const { return minutes_; }
  [[nodiscard]] int hour() const { return minutes_ / 60; }
  [[nodiscard]] int minute() const { return minutes_ % 60; }

  // "08:30".
  [[nodiscard]] std::string ToString() const;

  auto operator<=>(const TimeOfDay&) const = default;
  bool operator==(const TimeOfDay&) const = default;

 private:
  friend class Instant;
  explicit constexpr TimeOfDay(int minutes) : minutes_(minutes) {}

  int minutes_ = 0;
};

// A point in time: microseconds since 1970-01-01T00:00:00Z (UTC, no leap seconds).
class Instant {
 public:
  // The Unix epoch.
  constexpr Instant() = default;

  [[nodiscard]] static constexpr Instant FromUnixMicros(std::int64_t micros) {
    return Instant(micros);
  }
  [[nodiscard]] constexpr std::int64_t unix_micros() const { return micros_; }

  // The instant a Shanghai wall clock shows `time` on `date`.
  [[nodiscard]] static Instant FromShanghai(LocalDate date, TimeOfDay time);

  // The date and time (truncated to the minute) a Shanghai wall clock shows at this instant.
  [[nodiscard]] LocalDate ShanghaiDate() const;
  [[nodiscard]] TimeOfDay ShanghaiTime() const;

  // Shanghai time to the second (truncated), "2026-11-22T08:30:00+08:00".
  // Precondition: the Shanghai date lies in years 1–9999.
  [[nodiscard]] std::string ToIso8601() const;

  // RFC 3339 / ISO 8601 date-time with an explicit offset:
  //   "2026-11-22T08:30:00+08:00", "2026-11-22T00:30:00Z", "2026-11-21T19:30:00-05:00",
  //   optional fraction "…:00.123456+08:00" (digits past microseconds are truncated),
  //   offset also as "+0800" or "+08"; 't' and 'z' are accepted in lower case.
  // A time without an offset is rejected rather than guessed. InvalidArgument on any error.
  [[nodiscard]] static Result<Instant> ParseIso8601(std::string_view text);

  constexpr Instant& operator+=(std::chrono::microseconds d) {
    micros_ += d.count();
    return *this;
  }
  constexpr Instant& operator-=(std::chrono::microseconds d) {
    micros_ -= d.count();
    return *this;
  }
  // Minutes, seconds, hours convert to microseconds implicitly: `at + std::chrono::minutes(5)`.
  friend constexpr Instant operator+(Instant a, std::chrono::microseconds d) { return a += d; }
  friend constexpr Instant operator+(std::chrono::microseconds d, Instant a) { return a += d; }
  friend constexpr Instant operator-(Instant a, std::chrono::microseconds d) { return a -= d; }
  friend constexpr std::chrono::microseconds operator-(Instant a, Instant b) {
    return std::chrono::microseconds(a.micros_ - b.micros_);
  }

  auto operator<=>(const Instant&) const = default;
  bool operator==(const Instant&) const = default;

 private:
  explicit constexpr Instant(std::int64_t micros) : micros_(micros) {}

  std::int64_t micros_ = 0;
};

// Where "now" comes from; injected so tests control time (STYLE.md "Inject what tests must
// control"). Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock();
  [[nodiscard]] virtual Instant Now() const = 0;
};

// The machine's real-time clock.
class SystemClock final : public Clock {
 public:
  [[nodiscard]] Instant Now() const override;
};

// The real clock shifted to start at a chosen instant and run on in real time: for training
// and demonstrations at a station ("it is 07:10 on the 24th"), and for end-to-end tests of
// time-bound rules (the check-in window) against a real `keyun serve`.
class ShiftedClock final : public Clock {
 public:
  explicit ShiftedClock(Instant start) : offset_(start - SystemClock().Now()) {}
  [[nodiscard]] Instant Now() const override { return SystemClock().Now() + offset_; }

 private:
  const std::chrono::microseconds offset_;
};

// A clock that moves only when told to. Thread-safe: Set and Advance may race with Now.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(Instant start = Instant()) : micros_(start.unix_micros()) {}

  [[nodiscard]] Instant Now() const override {
    return Instant::FromUnixMicros(micros_.load(std::memory_order_acquire));
  }
  void Set(Instant now) { micros_.store(now.unix_micros(), std::memory_order_release); }
  void Advance(std::chrono::microseconds d) {
    micros_.fetch_add(d.count(), std::memory_order_acq_rel);
  }

 private:
  std::atomic<std::int64_t> micros_;
};

}  // namespace keyun::core
