#include "core/id_document.h"

#include <fmt/format.h>

#include <array>
#include <utility>

#include "core/admin_divisions.h"
#include "core/ids.h"
#include "core/internal/text.h"
#include "core/personal_data.h"

namespace keyun::core {

using internal::AllDigits;
using internal::IsDigit;
using internal::IsUpper;

namespace {

struct IdTypeInfo {
  IdType type;
  std::string_view name;
  std::string_view display_name;
};

constexpr std::array<IdTypeInfo, 8> kIdTypes = {{
    {IdType::kResidentId, "resident_id", "居民身份证"},
    {IdType::kHkMacaoTaiwanResidencePermit, "hmt_residence_permit", "港澳台居民居住证"},
    {IdType::kForeignPermanentResidence, "foreign_permanent_residence", "外国人永久居留身份证"},
    {IdType::kPassport, "passport", "护照"},
    {IdType::kHkMacaoTravelPermit, "hk_macao_permit", "港澳居民来往内地通行证"},
    {IdType::kTaiwanTravelPermit, "taiwan_permit", "台湾居民来往大陆通行证"},
    {IdType::kTemporaryResidentId, "temporary_id", "临时居民身份证"},
    {IdType::kHouseholdRegister, "household_register", "户口簿"},
}};

const IdTypeInfo& InfoOf(IdType type) {
  for (const IdTypeInfo& info : kIdTypes) {
    if (info.type == type) return info;
  }
  return kIdTypes[0];  // unreachable for a valid enumerator
}

// An error about the number of a document, naming the document but never echoing the number
// (it is personal data and error messages end up in logs).
// `why_zh`, if given, is the same reason in Chinese, said after the document's Chinese name.
tl::unexpected<Error> Bad(IdType type, std::string_view why, std::string_view why_zh = {}) {
  tl::unexpected<Error> failure =
      InvalidArgument(fmt::format("{} number {}", InfoOf(type).display_name, why));
  if (!why_zh.empty()) {
    failure.value().message_zh = fmt::format("{}号码{}", InfoOf(type).display_name, why_zh);
  }
  return failure;
}

bool AllOf(std::string_view text, bool (*pred)(char)) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!pred(c)) return false;
  }
  return true;
}
bool IsUpperOrDigit(char c) { return IsUpper(c) || IsDigit(c); }
bool IsDigitChar(char c) { return IsDigit(c); }
bool IsUpperChar(char c) { return IsUpper(c); }

// 8 digits yyyymmdd as a birth date from 1900-01-01 to today, or an error saying why not.
Result<LocalDate> BirthDate(IdType type, std::string_view yyyymmdd, LocalDate today) {
  Result<LocalDate> date = LocalDate::ParseCompact(yyyymmdd);
  if (!date) {
    return Bad(type, fmt::format("has an impossible birth date (characters 7–14: {})",
                                 date.error().message),
               "的出生日期（第 7–14 位）不存在，请核对");
  }
  if (date->year() < 1900) {
    return Bad(type, "has a birth date before 1900; check characters 7–14",
               "的出生日期早于 1900 年，请核对第 7–14 位");
  }
  if (*date > today) {
    return Bad(type, "has a birth date in the future; check characters 7–14",
               "的出生日期晚于今天，请核对第 7–14 位");
  }
  return date;
}

// 17 digits + MOD 11-2 check digit or X: the shape and check of GB 11643 numbers.
Result<void> CheckMod11_2Number(IdType type, std::string_view number) {
  const std::string_view body = number.substr(0, 17);
  if (number.size() != 18 || !AllDigits(body) || !(IsDigit(number[17]) || number[17] == 'X')) {
    return Bad(type, "must be 17 digits followed by a check digit or X",
               "应为 17 位数字加 1 位校验码（数字或 X）");
  }
  if (number[17] != *Mod11_2CheckChar(body)) {
    return Bad(type,
               "fails its check digit (the last character); check the number for a "
               "mistyped digit",
               "校验码（最后一位）不符，请检查是否输错了数字");
  }
  return {};
}

bool IsHmtArea(std::string_view area) {
  return area == "810000" || area == "820000" || area == "830000";
}

// Resident ID rules (also temporary ID, household register, HMT residence permit).
Result<LocalDate> ParseCitizenNumber(IdType type, std::string_view number, LocalDate today) {
  const bool hmt = type == IdType::kHkMacaoTaiwanResidencePermit;
  if (number.size() == 15 && AllDigits(number)) {
    return Bad(type,
               "has 15 digits: first-generation 15-digit ID cards are no longer valid; enter "
               "the 18-digit citizen ID number",
               "为 15 位：第一代 15 位身份证已停止使用，请输入 18 位身份证号码");
  }
  if (number.size() != 18) {
    return Bad(type, fmt::format("has {} characters; it must have 18: 17 digits followed by a "
                                 "check digit or X",
                                 number.size()),
               fmt::format("有 {} 位，应为 18 位：17 位数字加 1 位校验码（数字或 X）",
                           number.size()));
  }
  if (Result<void> ok = CheckMod11_2Number(type, number); !ok) return tl::unexpected(ok.error());
  Result<LocalDate> birth = BirthDate(type, number.substr(6, 8), today);
  if (!birth) return birth;
  const std::string_view area = number.substr(0, 6);
  if (hmt) {
    if (!IsHmtArea(area)) {
      return Bad(type, "must start with 810000 (Hong Kong), 820000 (Macao) or 830000 (Taiwan)",
                 "应以 810000（香港）、820000（澳门）或 830000（台湾）开头");
    }
  } else if (IsHmtArea(area)) {
    return Bad(type,
               "starts with a Hong Kong, Macao or Taiwan code: this is a residence permit "
               "number, choose the document type 港澳台居民居住证",
               "以港澳台地区代码开头：这是居住证号码，请选择证件类型“港澳台居民居住证”");
  } else if (FindCounty(area) == nullptr) {
    return Bad(type, fmt::format("starts with {}, which is not a county-level area code in "
                                 "GB/T 2260; check the first six digits",
                                 area),
               fmt::format("前六位 {} 不是有效的县级行政区划代码，请核对", area));
  }
  return birth;
}

}  // namespace

std::string_view IdTypeName(IdType type) { return InfoOf(type).name; }

std::string_view IdTypeDisplayName(IdType type) { return InfoOf(type).display_name; }

Result<IdType> ParseIdType(std::string_view name) {
  for (const IdTypeInfo& info : kIdTypes) {
    if (info.name == name) return info.type;
  }
  std::string names;
  for (const IdTypeInfo& info : kIdTypes) {
    if (!names.empty()) names += ", ";
    names += info.name;
  }
  return InvalidArgument(fmt::format("unknown ID document type {}; expected one of: {}",
                                     internal::Quote(name), names));
}

bool WindowOnly(IdType type) {
  return type == IdType::kTemporaryResidentId || type == IdType::kHouseholdRegister;
}

Result<IdDocument> IdDocument::Parse(IdType type, std::string_view raw, LocalDate today) {
  const std::string_view trimmed = internal::Trim(raw);
  if (trimmed.empty()) return Bad(type, "is empty", "不能为空");
  if (internal::HasFullWidth(trimmed)) {
    return Bad(type,
               "contains full-width (全角) characters; switch the input method to half-width "
               "(半角) and type it again");
  }
  if (internal::HasNonAscii(trimmed)) {
    return Bad(type, "contains characters other than ASCII letters and digits");
  }
  for (char c : trimmed) {
    if (internal::IsAsciiSpace(c)) return Bad(type, "must not contain spaces");
  }
  std::string number = internal::ToUpperAscii(trimmed);
  const std::string_view n = number;
  std::optional<LocalDate> birth;

  switch (type) {
    case IdType::kResidentId:
    case IdType::kTemporaryResidentId:
    case IdType::kHouseholdRegister:
    case IdType::kHkMacaoTaiwanResidencePermit: {
      Result<LocalDate> date = ParseCitizenNumber(type, n, today);
      if (!date) return tl::unexpected(date.error());
      birth = *date;
      break;
    }
    case IdType::kForeignPermanentResidence: {
      if (n.size() == 18) {
        if (n[0] != '9') return Bad(type, "must start with 9 (the 2023 card)");
        if (Result<void> ok = CheckMod11_2Number(type, n); !ok) {
          return tl::unexpected(ok.error());
        }
        if (Result<LocalDate> date = LocalDate::ParseCompact(n.substr(6, 8));
            date && date->year() >= 1900 && *date <= today) {
          birth = *date;
        }
      } else if (n.size() == 15) {
        if (!AllOf(n.substr(0, 3), IsUpperChar) || !AllOf(n.substr(3), IsDigitChar)) {
          return Bad(type, "(2017 card) must be 3 letters followed by 12 digits");
        }
      } else {
        return Bad(type,
                   "must have 18 characters (2023 card: 9 + 16 digits + check digit) or 15 "
                   "(2017 card: 3 letters + 12 digits)");
      }
      break;
    }
    case IdType::kPassport: {
      if (n.size() < 5 || n.size() > 17 || !AllOf(n, IsUpperOrDigit)) {
        return Bad(type, "must be 5 to 17 letters and digits, e.g. E12345678");
      }
      break;
    }
    case IdType::kHkMacaoTravelPermit: {
      const bool ok = (n.size() == 9 || n.size() == 11) && (n[0] == 'H' || n[0] == 'M') &&
                      AllOf(n.substr(1), IsDigitChar);
      if (!ok) {
        return Bad(type,
                   "must be H (Hong Kong) or M (Macao) followed by 8 digits (10 on older "
                   "cards), e.g. H12345678");
      }
      break;
    }
    case IdType::kTaiwanTravelPermit: {
      const bool ok = (n.size() == 8 && AllOf(n, IsDigitChar)) ||
                      (n.size() == 10 && AllOf(n.substr(0, 8), IsDigitChar) &&
                       AllOf(n.substr(8), IsUpperOrDigit));
      if (!ok) {
        return Bad(type,
                   "must be 8 digits, e.g. 12345678 (older cards: 8 digits and a 2-character "
                   "suffix, without brackets)");
      }
      break;
    }
    default:
      return InvalidArgument("unknown ID document type");
  }
  return IdDocument(type, std::move(number), birth);
}

std::string IdDocument::Masked() const { return MaskIdNumber(number_); }

std::string SyntheticResidentId(std::int64_t serial) {
  LocalDate birth = LocalDate::FromDays((serial / 900) % 20000);
  std::string body = "370102" + birth.Compact() + std::to_string(100 + serial % 900);
  return body + *Mod11_2CheckChar(body);
}

}  // namespace keyun::core
