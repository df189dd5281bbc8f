#include "core/time.h"

#include <fmt/format.h>

#include <stdexcept>

namespace keyun::core {
namespace {

constexpr std::int64_t kMicrosPerSecond = 1'000'000;
constexpr std::int64_t kMicrosPerMinute = 60 * kMicrosPerSecond;
constexpr std::int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;
constexpr std::int64_t kShanghaiOffsetMicros = 8 * 60 * kMicrosPerMinute;

// Days of 0001-01-01 and 9999-12-31 relative to 1970-01-01.
constexpr std::int64_t kMinDays = -719'162;
constexpr std::int64_t kMaxDays = 2'932'896;

constexpr std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian).
constexpr std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
  int year;
  int month;
  int day;
};

constexpr Civil CivilFromDays(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int>(y + (m <= 2)), static_cast<int>(m), static_cast<int>(d)};
}

static_assert(DaysFromCivil(1970, 1, 1) == 0);
static_assert(DaysFromCivil(1, 1, 1) == kMinDays);
static_assert(DaysFromCivil(9999, 12, 31) == kMaxDays);

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `n` ASCII digits at text[pos..); -1 if any is not a digit.
int Digits(std::string_view text, std::size_t pos, std::size_t n) {
  if (pos + n > text.size()) return -1;
  int value = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!IsDigit(text[i])) return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

Result<LocalDate> DateFromParts(int year, int month, int day, std::string_view text,
                                std::string_view format) {
  if (year < 1) return InvalidArgument(fmt::format("year 0000 does not exist in \"{}\"", text));
  if (month < 1 || month > 12) {
    return InvalidArgument(
        fmt::format("month {:02d} in \"{}\" is not 01 to 12 (expected {})", month, text, format));
  }
  const int days_in_month = LocalDate::DaysInMonth(year, month);
  if (day < 1 || day > days_in_month) {
    return InvalidArgument(fmt::format("{:04d}-{:02d} has no day {:02d} (it has {} days)", year,
                                       month, day, days_in_month));
  }
  return LocalDate::FromYmd(year, month, day);
}

}  // namespace

// ---- LocalDate ------------------------------------------------------------------------------

bool LocalDate::IsLeapYear(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int LocalDate::DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return 0;
  if (month == 2 && IsLeapYear(year)) return 29;
  return kDays[month - 1];
}

Result<LocalDate> LocalDate::FromYmd(int year, int month, int day) {
  if (year < 1 || year > 9999) {
    return InvalidArgument(fmt::format("year {} is outside 1 to 9999", year));
  }
  if (month < 1 || month > 12) {
    return InvalidArgument(fmt::format("month {} is not 1 to 12", month));
  }
  if (day < 1 || day > DaysInMonth(year, month)) {
    return InvalidArgument(fmt::format("{:04d}-{:02d} has no day {} (it has {} days)", year, month,
                                       day, DaysInMonth(year, month)));
  }
  return LocalDate(year, month, day);
}

Result<LocalDate> LocalDate::Parse(std::string_view text) {
  constexpr std::string_view kFormat = "YYYY-MM-DD, e.g. 2026-11-22";
  const int year = Digits(text, 0, 4);
  const int month = Digits(text, 5, 2);
  const int day = Digits(text, 8, 2);
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || year < 0 || month < 0 || day < 0) {
    return InvalidArgument(fmt::format("\"{}\" is not a date; expected {}", text, kFormat));
  }
  return DateFromParts(year, month, day, text, kFormat);
}

Result<LocalDate> LocalDate::ParseCompact(std::string_view text) {
  constexpr std::string_view kFormat = "YYYYMMDD, e.g. 20261122";
  const int year = Digits(text, 0, 4);
  const int month = Digits(text, 4, 2);
  const int day = Digits(text, 6, 2);
  if (text.size() != 8 || year < 0 || month < 0 || day < 0) {
    return InvalidArgument(fmt::format("\"{}\" is not a date; expected {}", text, kFormat));
  }
  return DateFromParts(year, month, day, text, kFormat);
}

LocalDate LocalDate::FromDays(std::int64_t days_since_1970) {
  if (days_since_1970 < kMinDays || days_since_1970 > kMaxDays) {
    throw std::out_of_range(
        fmt::format("LocalDate::FromDays({}) is outside years 1 to 9999", days_since_1970));
  }
  const Civil c = CivilFromDays(days_since_1970);
  return LocalDate(c.year, c.month, c.day);
}

std::int64_t LocalDate::Days() const {
  return DaysFromCivil(year_, static_cast<unsigned>(month_), static_cast<unsigned>(day_));
}

LocalDate LocalDate::AddDays(std::int64_t days) const {
  if (days > kMaxDays - kMinDays || days < kMinDays - kMaxDays) {
    throw std::out_of_range(fmt::format("LocalDate::AddDays({}) is outside years 1 to 9999", days));
  }
  return FromDays(Days() + days);
}

int LocalDate::DayOfWeek() const {
  // 1970-01-01 was a Thursday (4).
  return static_cast<int>(((Days() + 3) % 7 + 7) % 7) + 1;
}

std::string LocalDate::ToString() const {
  return fmt::format("{:04d}-{:02d}-{:02d}", year_, month_, day_);
}

std::string LocalDate::Compact() const {
  return fmt::format("{:04d}{:02d}{:02d}", year_, month_, day_);
}

// ---- TimeOfDay ------------------------------------------------------------------------------

Result<TimeOfDay> TimeOfDay::Parse(std::string_view text) {
  const int hour = Digits(text, 0, 2);
  const int minute = Digits(text, 3, 2);
  if (text.size() != 5 || text[2] != ':' || hour < 0 || minute < 0) {
    return InvalidArgument(
        fmt::format("\"{}\" is not a time of day; expected HH:MM (24-hour), e.g. 08:30", text));
  }
  if (hour > 23 || minute > 59) {
    return InvalidArgument(
        fmt::format("\"{}\" is not a time of day; hours run 00–23 and minutes 00–59", text));
  }
  return TimeOfDay(hour * 60 + minute);
}

Result<TimeOfDay> TimeOfDay::FromMinutes(int minutes_since_midnight) {
  if (minutes_since_midnight < 0 || minutes_since_midnight >= 24 * 60) {
    return InvalidArgument(fmt::format("{} minutes after midnight is not a time of day (0–1439)",
                                       minutes_since_midnight));
  }
  return TimeOfDay(minutes_since_midnight);
}

std::string TimeOfDay::ToString() const { return fmt::format("{:02d}:{:02d}", hour(), minute()); }

// ---- Instant --------------------------------------------------------------------------------

Instant Instant::FromShanghai(LocalDate date, TimeOfDay time) {
  return Instant(date.Days() * kMicrosPerDay + time.minutes() * kMicrosPerMinute -
                 kShanghaiOffsetMicros);
}

LocalDate Instant::ShanghaiDate() const {
  return LocalDate::FromDays(FloorDiv(micros_ + kShanghaiOffsetMicros, kMicrosPerDay));
}

TimeOfDay Instant::ShanghaiTime() const {
  const std::int64_t local = micros_ + kShanghaiOffsetMicros;
  const std::int64_t in_day = local - FloorDiv(local, kMicrosPerDay) * kMicrosPerDay;
  return TimeOfDay(static_cast<int>(in_day / kMicrosPerMinute));
}

std::string Instant::ToIso8601() const {
  const std::int64_t local = micros_ + kShanghaiOffsetMicros;
  const std::int64_t day = FloorDiv(local, kMicrosPerDay);
  const std::int64_t second_of_day = (local - day * kMicrosPerDay) / kMicrosPerSecond;
  const LocalDate date = LocalDate::FromDays(day);
  return fmt::format("{}T{:02d}:{:02d}:{:02d}+08:00", date.ToString(), second_of_day / 3600,
                     second_of_day / 60 % 60, second_of_day % 60);
}

Result<Instant> Instant::ParseIso8601(std::string_view text) {
  const auto bad = [text](std::string_view why) {
    return InvalidArgument(
        fmt::format("\"{}\" is not a date and time{}; expected ISO 8601 with an offset, e.g. "
                    "2026-11-22T08:30:00+08:00 or 2026-11-22T00:30:00Z",
                    text, why));
  };
  if (text.size() < 19) return bad("");
  Result<LocalDate> date = LocalDate::Parse(text.substr(0, 10));
  if (!date) return bad(fmt::format(" ({})", date.error().message));
  if (text[10] != 'T' && text[10] != 't' && text[10] != ' ') return bad("");
  const int hour = Digits(text, 11, 2);
  const int minute = Digits(text, 14, 2);
  const int second = Digits(text, 17, 2);
  if (hour < 0 || minute < 0 || second < 0 || text[13] != ':' || text[16] != ':') return bad("");
  if (hour > 23 || minute > 59 || second > 59) {
    return bad(" (hours run 00–23, minutes and seconds 00–59)");
  }
  std::size_t pos = 19;
  std::int64_t fraction_micros = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::size_t digits = 0;
    while (pos < text.size() && IsDigit(text[pos])) {
      if (digits < 6) fraction_micros = fraction_micros * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return bad(" (no digits after the decimal point)");
    for (std::size_t i = digits; i < 6; ++i) fraction_micros *= 10;
  }
  if (pos >= text.size()) return bad(" (the UTC offset is missing)");
  std::int64_t offset_minutes = 0;
  const char sign = text[pos];
  if (sign == 'Z' || sign == 'z') {
    ++pos;
  } else if (sign == '+' || sign == '-') {
    ++pos;
    const int off_hour = Digits(text, pos, 2);
    if (off_hour < 0) return bad(" (bad UTC offset)");
    pos += 2;
    int off_minute = 0;
    if (pos < text.size()) {
      if (text[pos] == ':') ++pos;
      off_minute = Digits(text, pos, 2);
      if (off_minute < 0) return bad(" (bad UTC offset)");
      pos += 2;
    }
    if (off_hour > 23 || off_minute > 59) return bad(" (bad UTC offset)");
    offset_minutes = (off_hour * 60 + off_minute) * (sign == '-' ? -1 : 1);
  } else {
    return bad("");
  }
  if (pos != text.size()) return bad(" (unexpected text after the offset)");
  const std::int64_t local_micros =
      date->Days() * kMicrosPerDay +
      (static_cast<std::int64_t>(hour) * 3600 + minute * 60 + second) * kMicrosPerSecond +
      fraction_micros;
  return Instant(local_micros - offset_minutes * kMicrosPerMinute);
}

// ---- Clocks ---------------------------------------------------------------------------------

Clock::~Clock() = default;

Instant SystemClock::Now() const {
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  return Instant::FromUnixMicros(
      std::chrono::duration_cast<std::chrono::microseconds>(since_epoch).count());
}

}  // namespace keyun::core
