// Identifiers (DESIGN.md §2): value types that can only hold a valid value.
//
//   Result<StationCode> station = StationCode::Parse("370102001");   // 济南 历下区, station 1
//   Result<ScheduleCode> schedule = ScheduleCode::Parse("K0301");
//   RunId run = RunId::Make(*station, *LocalDate::Parse("2026-11-22"), *schedule);
//   run.str();   // "370102001-20261122-K0301"
//
// Every type is built only by `Parse` (or `Make`), which returns InvalidArgument with a
// message saying what is wrong and what a valid value looks like; the error's `field` is left
// empty for the caller to name its input. `str()` is the canonical text, which Parse accepts
// back unchanged. Parse does not trim whitespace: callers taking typed input trim first.
// Values are ordered and hashed by their canonical text.
//
// Thread-safety: immutable values.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/time.h"

namespace keyun::core {

// The ISO 7064 MOD 11-2 check character of a string of digits, as in GB 11643 (resident ID
// numbers) and our ticket numbers: digit i of n (1-based, left to right) has weight
// 2^(n+1-i) mod 11; check = (12 − Σ mod 11) mod 11, written 'X' for 10.
// nullopt if `digits` is empty or holds anything but ASCII digits.
[[nodiscard]] std::optional<char> Mod11_2CheckChar(std::string_view digits);

// A province: its 2-digit GB/T 2260 code, one of the 31 mainland provinces ("37" = 山东省).
class ProvinceCode {
 public:
  [[nodiscard]] static Result<ProvinceCode> Parse(std::string_view text);

  [[nodiscard]] const std::string& str() const { return code_; }
  // UTF-8 name, "山东省".
  [[nodiscard]] std::string_view name() const;

  auto operator<=>(const ProvinceCode&) const = default;
  bool operator==(const ProvinceCode&) const = default;

 private:
  friend class StationCode;
  friend class TicketNumber;
  explicit ProvinceCode(std::string code) : code_(std::move(code)) {}

  std::string code_;
};

// A station (车站): its county's 6-digit GB/T 2260 code + a 3-digit sequence 001–999 within
// that county. "370102001" is the first station of 历下区, 济南.
class StationCode {
 public:
  [[nodiscard]] static Result<StationCode> Parse(std::string_view text);
  // From a county code ("370102") and a sequence (1–999).
  [[nodiscard]] static Result<StationCode> Make(std::string_view county, int sequence);

  [[nodiscard]] const std::string& str() const { return code_; }
  // The 6-digit county code, a view into str().
  [[nodiscard]] std::string_view county() const { return std::string_view(code_).substr(0, 6); }
  [[nodiscard]] ProvinceCode province() const { return ProvinceCode(code_.substr(0, 2)); }
  // 1–999.
  [[nodiscard]] int sequence() const;

  auto operator<=>(const StationCode&) const = default;
  bool operator==(const StationCode&) const = default;

 private:
  friend class RunId;
  explicit StationCode(std::string code) : code_(std::move(code)) {}

  std::string code_;
};

// A carrier's unified social credit code (统一社会信用代码), GB 32100-2015: 18 characters from
// "0123456789ABCDEFGHJKLMNPQRTUWXY" (never I, O, S, V, Z):
//   1 registration authority (9 = market regulation / 工商), 2 organisation type,
//   3–8 administrative division code (6 digits), 9–17 organisation code (GB 11714),
//   18 check character: c18 = (31 − Σ value(c_i)·w_i mod 31) mod 31 with w_i = 3^(i−1) mod 31,
//   i.e. weights 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28.
// Parse accepts lower-case letters and normalises them to upper case (people type codes in
// either case; the code itself is defined in capitals). Positions 3–8 must be 6 digits but need
// not be a current GB/T 2260 code: codes issued before a boundary change keep the old one.
// The organisation code's own GB 11714 check is not enforced (codes from 2015 on, e.g. the
// "MA…" ones, do not all satisfy it).
class CreditCode {
 public:
  [[nodiscard]] static Result<CreditCode> Parse(std::string_view text);

  [[nodiscard]] const std::string& str() const { return code_; }
  [[nodiscard]] char registration_authority() const { return code_[0]; }
  [[nodiscard]] char organization_type() const { return code_[1]; }
  [[nodiscard]] std::string_view division_code() const {
    return std::string_view(code_).substr(2, 6);
  }
  [[nodiscard]] std::string_view organization_code() const {
    return std::string_view(code_).substr(8, 9);
  }

  // The check character for the first 17 characters (already upper case), or nullopt if any
  // of them is outside the character set or there are not 17.
  [[nodiscard]] static std::optional<char> CheckChar(std::string_view first17);

  auto operator<=>(const CreditCode&) const = default;
  bool operator==(const CreditCode&) const = default;

 private:
  explicit CreditCode(std::string code) : code_(std::move(code)) {}

  std::string code_;
};

// A schedule (班次) code, unique within its departure station: 1–12 characters, upper-case
// ASCII letters and digits, e.g. "K0301". Lower case is rejected (with a hint) so that one
// schedule cannot appear under two spellings.
class ScheduleCode {
 public:
  static constexpr std::size_t kMaxLength = 12;

  [[nodiscard]] static Result<ScheduleCode> Parse(std::string_view text);

  [[nodiscard]] const std::string& str() const { return code_; }

  auto operator<=>(const ScheduleCode&) const = default;
  bool operator==(const ScheduleCode&) const = default;

 private:
  friend class RunId;
  explicit ScheduleCode(std::string code) : code_(std::move(code)) {}

  std::string code_;
};

// A run: a schedule on a date (the date its departure station's timetable lists it under),
// written "{station}-{yyyymmdd}-{schedule}", e.g. "370102001-20261122-K0301".
class RunId {
 public:
  [[nodiscard]] static Result<RunId> Parse(std::string_view text);
  [[nodiscard]] static RunId Make(const StationCode& station, LocalDate date,
                                  const ScheduleCode& schedule);

  [[nodiscard]] const std::string& str() const { return id_; }
  [[nodiscard]] StationCode station() const;
  [[nodiscard]] LocalDate date() const { return date_; }
  [[nodiscard]] ScheduleCode schedule() const;

  // Ordered by text: station, then date, then schedule.
  auto operator<=>(const RunId&) const = default;
  bool operator==(const RunId&) const = default;

 private:
  RunId(std::string id, LocalDate date) : id_(std::move(id)), date_(date) {}

  std::string id_;
  LocalDate date_;  // derived from id_; kept to make date() free
};

// An e-ticket number (电子客票号), unique nationwide: 20 characters =
//   province (2, GB/T 2260) + issue date yyMMdd (6, years 2000–2099) + the issuing node's
//   sequence (11 digits, zero-padded) + ISO 7064 MOD 11-2 check over the first 19 digits
//   (see Mod11_2CheckChar).
// It is all digits except that the last character may be 'X' (check value 10), exactly like a
// resident ID number: store it as text, never as an integer. Parse accepts a lower-case 'x'.
class TicketNumber {
 public:
  static constexpr std::int64_t kMaxSequence = 99'999'999'999;

  [[nodiscard]] static Result<TicketNumber> Parse(std::string_view text);
  // issue_date must be in 2000–2099; sequence in 0..kMaxSequence. InvalidArgument otherwise.
  [[nodiscard]] static Result<TicketNumber> Make(const ProvinceCode& province, LocalDate issue_date,
                                                 std::int64_t sequence);

  [[nodiscard]] const std::string& str() const { return number_; }
  [[nodiscard]] ProvinceCode province() const { return ProvinceCode(number_.substr(0, 2)); }
  [[nodiscard]] LocalDate issue_date() const;
  [[nodiscard]] std::int64_t sequence() const;
  [[nodiscard]] char check_char() const { return number_[19]; }

  auto operator<=>(const TicketNumber&) const = default;
  bool operator==(const TicketNumber&) const = default;

 private:
  explicit TicketNumber(std::string number) : number_(std::move(number)) {}

  std::string number_;
};

}  // namespace keyun::core

#define KEYUN_CORE_HASH_BY_STR(Type)                                    \
  template <>                                                           \
  struct std::hash<keyun::core::Type> {                                 \
    std::size_t operator()(const keyun::core::Type& v) const noexcept { \
      return std::hash<std::string>{}(v.str());                         \
    }                                                                   \
  };
KEYUN_CORE_HASH_BY_STR(ProvinceCode)
KEYUN_CORE_HASH_BY_STR(StationCode)
KEYUN_CORE_HASH_BY_STR(CreditCode)
KEYUN_CORE_HASH_BY_STR(ScheduleCode)
KEYUN_CORE_HASH_BY_STR(RunId)
KEYUN_CORE_HASH_BY_STR(TicketNumber)
#undef KEYUN_CORE_HASH_BY_STR
