#include "core/ids.h"

#include <fmt/format.h>

#include <array>

#include "core/admin_divisions.h"
#include "core/internal/text.h"

namespace keyun::core {

using internal::AllDigits;
using internal::DigitsValue;
using internal::HasFullWidth;
using internal::HasNonAscii;
using internal::IsDigit;
using internal::IsLower;
using internal::IsUpper;
using internal::Quote;

namespace {

// Why a text that should be plain ASCII is not: full-width input mode, or other characters.
std::string NonAsciiHint(std::string_view text) {
  if (HasFullWidth(text)) {
    return "it contains full-width (全角) characters; switch the input method to half-width "
           "(半角) and type it again";
  }
  return "it contains non-ASCII characters";
}

// The GB 32100-2015 character set; a character's value is its index.
constexpr std::string_view kCreditCharset = "0123456789ABCDEFGHJKLMNPQRTUWXY";
static_assert(kCreditCharset.size() == 31);

// Weights w_i = 3^(i-1) mod 31, i = 1..17 (GB 32100-2015 §4.2).
constexpr std::array<int, 17> kCreditWeights = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                                29, 25, 13, 8,  24, 10, 30, 28};
constexpr bool CreditWeightsArePowersOfThree() {
  int w = 1;
  for (int weight : kCreditWeights) {
    if (weight != w) return false;
    w = w * 3 % 31;
  }
  return true;
}
static_assert(CreditWeightsArePowersOfThree());

int CreditValue(char c) {
  const std::size_t i = kCreditCharset.find(c);
  return i == std::string_view::npos ? -1 : static_cast<int>(i);
}

}  // namespace

std::optional<char> Mod11_2CheckChar(std::string_view digits) {
  if (!AllDigits(digits)) return std::nullopt;
  // Horner's scheme from the left: after the loop, sum = Σ d_i·2^(n−i); one more doubling
  // gives the weights 2^(n+1−i) of ISO 7064 MOD 11-2.
  int sum = 0;
  for (char c : digits) sum = (sum * 2 + (c - '0')) % 11;
  sum = sum * 2 % 11;
  const int check = (12 - sum) % 11;
  return check == 10 ? 'X' : static_cast<char>('0' + check);
}

// ---- ProvinceCode ---------------------------------------------------------------------------

Result<ProvinceCode> ProvinceCode::Parse(std::string_view text) {
  if (text.size() != 2 || !AllDigits(text)) {
    return InvalidArgument(fmt::format(
        "province code {} must be 2 digits, the GB/T 2260 code of a province, e.g. 37 for 山东省",
        Quote(text)));
  }
  if (ProvinceName(text).empty()) {
    return InvalidArgument(fmt::format(
        "province code {} is not a province in GB/T 2260 (mainland provinces are 11–65)", text));
  }
  return ProvinceCode(std::string(text));
}

std::string_view ProvinceCode::name() const { return ProvinceName(code_); }

// ---- StationCode ----------------------------------------------------------------------------

namespace {
constexpr std::string_view kStationForm =
    "9 digits: the county's 6-digit GB/T 2260 code and a sequence 001–999, e.g. 370102001";
}  // namespace

Result<StationCode> StationCode::Parse(std::string_view text) {
  if (HasNonAscii(text)) {
    return InvalidArgument(fmt::format("station code {}: {}; expected {}", Quote(text),
                                       NonAsciiHint(text), kStationForm));
  }
  if (text.size() != 9 || !AllDigits(text)) {
    return InvalidArgument(fmt::format("station code {} must be {}", Quote(text), kStationForm));
  }
  if (FindCounty(text.substr(0, 6)) == nullptr) {
    return InvalidArgument(
        fmt::format("station code {}: {} is not a county-level code in GB/T 2260; expected {}",
                    text, text.substr(0, 6), kStationForm));
  }
  if (text.substr(6) == "000") {
    return InvalidArgument(
        fmt::format("station code {}: the sequence 000 is not used, sequences run 001–999", text));
  }
  return StationCode(std::string(text));
}

Result<StationCode> StationCode::Make(std::string_view county, int sequence) {
  if (sequence < 1 || sequence > 999) {
    return InvalidArgument(
        fmt::format("station sequence {} is out of range; sequences run 1–999", sequence));
  }
  if (county.size() != 6 || !AllDigits(county) || FindCounty(county) == nullptr) {
    return InvalidArgument(fmt::format(
        "county {} is not a 6-digit county-level code in GB/T 2260, e.g. 370102", Quote(county)));
  }
  return StationCode(fmt::format("{}{:03d}", county, sequence));
}

int StationCode::sequence() const { return static_cast<int>(DigitsValue(code_, 6, 3)); }

// ---- CreditCode -----------------------------------------------------------------------------

std::optional<char> CreditCode::CheckChar(std::string_view first17) {
  if (first17.size() != 17) return std::nullopt;
  int sum = 0;
  for (std::size_t i = 0; i < 17; ++i) {
    const int value = CreditValue(first17[i]);
    if (value < 0) return std::nullopt;
    sum += value * kCreditWeights[i];
  }
  return kCreditCharset[static_cast<std::size_t>((31 - sum % 31) % 31)];
}

Result<CreditCode> CreditCode::Parse(std::string_view text) {
  constexpr std::string_view kForm =
      "18 characters of digits and capital letters except I, O, S, V and Z, "
      "e.g. 91350100M000100Y43";
  if (HasNonAscii(text)) {
    return InvalidArgument(fmt::format("unified social credit code {}: {}; expected {}",
                                       Quote(text), NonAsciiHint(text), kForm));
  }
  if (text.size() != 18) {
    return InvalidArgument(
        fmt::format("unified social credit code {} has {} characters; expected {}", Quote(text),
                    text.size(), kForm));
  }
  std::string code = internal::ToUpperAscii(text);
  for (std::size_t i = 0; i < code.size(); ++i) {
    if (CreditValue(code[i]) < 0) {
      const char c = code[i];
      const std::string why = IsUpper(c)
                                  ? fmt::format("the letter {} is never used in these codes", c)
                                  : fmt::format("'{}' is not a digit or letter", c);
      return InvalidArgument(fmt::format(
          "unified social credit code {}: character {} is not allowed ({}); expected {}", text,
          i + 1, why, kForm));
    }
  }
  if (!AllDigits(std::string_view(code).substr(2, 6))) {
    return InvalidArgument(fmt::format(
        "unified social credit code {}: characters 3–8 must be the 6-digit administrative "
        "division code",
        text));
  }
  const char check = *CheckChar(std::string_view(code).substr(0, 17));
  if (code[17] != check) {
    return InvalidArgument(fmt::format(
        "unified social credit code {} fails its check character (GB 32100-2015): check the "
        "code for a mistyped character",
        text));
  }
  return CreditCode(std::move(code));
}

// ---- ScheduleCode ---------------------------------------------------------------------------

Result<ScheduleCode> ScheduleCode::Parse(std::string_view text) {
  constexpr std::string_view kForm = "1 to 12 capital letters and digits, e.g. K0301";
  if (text.empty()) {
    return InvalidArgument(fmt::format("schedule code is empty; expected {}", kForm));
  }
  if (HasNonAscii(text)) {
    return InvalidArgument(
        fmt::format("schedule code {}: {}; expected {}", Quote(text), NonAsciiHint(text), kForm));
  }
  if (text.size() > kMaxLength) {
    return InvalidArgument(fmt::format("schedule code {} has {} characters; expected {}",
                                       Quote(text), text.size(), kForm));
  }
  for (char c : text) {
    if (IsLower(c)) {
      return InvalidArgument(
          fmt::format("schedule code {} has lower-case letters; write it in capitals ({})", text,
                      internal::ToUpperAscii(text)));
    }
    if (!IsUpper(c) && !IsDigit(c)) {
      return InvalidArgument(
          fmt::format("schedule code {} contains '{}'; expected {}", text, c, kForm));
    }
  }
  return ScheduleCode(std::string(text));
}

// ---- RunId ----------------------------------------------------------------------------------

Result<RunId> RunId::Parse(std::string_view text) {
  constexpr std::string_view kForm =
      "{station}-{yyyymmdd}-{schedule}, e.g. 370102001-20261122-K0301";
  // station (9) '-' date (8) '-' schedule (1..12)
  if (text.size() < 20 || text.size() > 19 + ScheduleCode::kMaxLength || text[9] != '-' ||
      text[18] != '-') {
    return InvalidArgument(fmt::format("run id {} is not of the form {}", Quote(text), kForm));
  }
  Result<StationCode> station = StationCode::Parse(text.substr(0, 9));
  if (!station) return tl::unexpected(WithContext(station.error(), "run id " + std::string(text)));
  Result<LocalDate> date = LocalDate::ParseCompact(text.substr(10, 8));
  if (!date) return tl::unexpected(WithContext(date.error(), "run id " + std::string(text)));
  Result<ScheduleCode> schedule = ScheduleCode::Parse(text.substr(19));
  if (!schedule) {
    return tl::unexpected(WithContext(schedule.error(), "run id " + std::string(text)));
  }
  return RunId(std::string(text), *date);
}

RunId RunId::Make(const StationCode& station, LocalDate date, const ScheduleCode& schedule) {
  return RunId(fmt::format("{}-{}-{}", station.str(), date.Compact(), schedule.str()), date);
}

// The parts were validated when the run id was made.
StationCode RunId::station() const { return StationCode(id_.substr(0, 9)); }

ScheduleCode RunId::schedule() const { return ScheduleCode(id_.substr(19)); }

// ---- TicketNumber ---------------------------------------------------------------------------

Result<TicketNumber> TicketNumber::Parse(std::string_view text) {
  constexpr std::string_view kForm =
      "20 characters: province (2) + issue date yyMMdd (6) + sequence (11) + check digit or X";
  if (HasNonAscii(text)) {
    return InvalidArgument(
        fmt::format("ticket number {}: {}; expected {}", Quote(text), NonAsciiHint(text), kForm));
  }
  std::string number = internal::ToUpperAscii(text);
  const std::string_view body = std::string_view(number).substr(0, 19);
  if (number.size() != 20 || !AllDigits(body) || !(IsDigit(number[19]) || number[19] == 'X')) {
    return InvalidArgument(
        fmt::format("ticket number {} is malformed; expected {}", Quote(text), kForm));
  }
  if (number[19] != *Mod11_2CheckChar(body)) {
    return InvalidArgument(fmt::format(
        "ticket number {} fails its check character; check it for a mistyped digit", text));
  }
  if (ProvinceName(body.substr(0, 2)).empty()) {
    return InvalidArgument(fmt::format("ticket number {}: {} is not a GB/T 2260 province code",
                                       text, body.substr(0, 2)));
  }
  Result<LocalDate> date = LocalDate::ParseCompact("20" + std::string(body.substr(2, 6)));
  if (!date) {
    return InvalidArgument(fmt::format("ticket number {}: its issue date {} is not a date ({})",
                                       text, body.substr(2, 6), date.error().message));
  }
  return TicketNumber(std::move(number));
}

Result<TicketNumber> TicketNumber::Make(const ProvinceCode& province, LocalDate issue_date,
                                        std::int64_t sequence) {
  if (issue_date.year() < 2000 || issue_date.year() > 2099) {
    return InvalidArgument(
        fmt::format("ticket issue date {} is outside 2000–2099, which a yyMMdd number can hold",
                    issue_date.ToString()));
  }
  if (sequence < 0 || sequence > kMaxSequence) {
    return InvalidArgument(
        fmt::format("ticket sequence {} is outside 0 to {} (11 digits)", sequence, kMaxSequence));
  }
  std::string number =
      fmt::format("{}{:02d}{:02d}{:02d}{:011d}", province.str(), issue_date.year() % 100,
                  issue_date.month(), issue_date.day(), sequence);
  number += *Mod11_2CheckChar(number);
  return TicketNumber(std::move(number));
}

LocalDate TicketNumber::issue_date() const {
  return *LocalDate::FromYmd(2000 + static_cast<int>(DigitsValue(number_, 2, 2)),
                             static_cast<int>(DigitsValue(number_, 4, 2)),
                             static_cast<int>(DigitsValue(number_, 6, 2)));
}

std::int64_t TicketNumber::sequence() const { return DigitsValue(number_, 8, 11); }

}  // namespace keyun::core
