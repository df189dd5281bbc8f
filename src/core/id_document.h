// Passenger ID documents (证件) for real-name ticketing (DESIGN.md §3 "ID documents").
//
//   Result<IdDocument> doc = IdDocument::Parse(IdType::kResidentId, typed_number, today);
//   if (!doc) return Propagate(doc);          // message says what is wrong and what to do
//   doc->number();     // normalised: "11010519491231002X"
//   doc->Masked();     // "1101**********002X", for screens, tickets and logs
//
// The full number is personal data: keep it out of logs and error messages, store it
// encrypted, look it up by KeyedHasher::HashIdDocument (personal_data.h).
//
// Normalisation: leading and trailing whitespace (ASCII, and the ideographic space U+3000 an
// input method may add) is trimmed and ASCII letters are made upper case ("x" → "X"). Anything
// else non-ASCII, including full-width digits "１２３" typed in 全角 mode, is rejected with a
// message saying so; spaces inside the number are rejected.
//
// Rules per type (errors are InvalidArgument; `field` is left for the caller to name):
// - Resident ID (居民身份证, GB 11643-1999): 18 characters, 17 digits + check digit or X
//   (ISO 7064 MOD 11-2); the birth date (characters 7–14) must be a real date from 1900-01-01
//   to `today`; the area code (characters 1–6) must be a county-level code in our GB/T 2260
//   table (admin_divisions.h), which holds current codes only. First-generation 15-digit
//   numbers are rejected with a message asking for the 18-digit number.
// - Temporary resident ID (临时居民身份证) and household register (户口簿, the person's own
//   citizen ID number): the resident ID rules. Accepted at the station window only
//   (WindowOnly).
// - Residence permit for Hong Kong, Macao and Taiwan residents (港澳台居民居住证): the resident
//   ID algorithm, with area code 810000 (Hong Kong), 820000 (Macao) or 830000 (Taiwan).
// - Foreign permanent residence ID card (外国人永久居留身份证): the 2023 card, 18 characters,
//   '9' + 16 digits + MOD 11-2 check digit or X (the area and nationality parts are not
//   checked; birth_date() is filled when characters 7–14 form a past date, but a number is
//   not rejected for them); or the 2017 card, 15 characters, 3 capital letters (nationality)
//   + 12 digits, with no check digit to verify.
// - Passport (护照): 5–17 capital letters and digits. Formats vary by country, so only the
//   shape is checked; Chinese ordinary passports are E or G + 8 characters (e.g. E12345678).
// - Mainland travel permit for Hong Kong and Macao residents (港澳居民来往内地通行证, 回乡证):
//   H (Hong Kong) or M (Macao) + 8 digits, or + 10 digits on cards issued before 2013.
// - Mainland travel permit for Taiwan residents (台湾居民来往大陆通行证, 台胞证): 8 digits
//   (cards since 2015), or the older 10 characters: 8 digits + a 2-character issue suffix of
//   capital letters or digits (type it without brackets).
//
// Thread-safety: immutable values.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/time.h"

namespace keyun::core {

enum class IdType {
  kResidentId,                    // 居民身份证
  kHkMacaoTaiwanResidencePermit,  // 港澳台居民居住证
  kForeignPermanentResidence,     // 外国人永久居留身份证
  kPassport,                      // 护照
  kHkMacaoTravelPermit,           // 港澳居民来往内地通行证
  kTaiwanTravelPermit,            // 台湾居民来往大陆通行证
  kTemporaryResidentId,           // 临时居民身份证
  kHouseholdRegister,             // 户口簿
};

// Stable snake_case name used in the API, the database and hashes: "resident_id",
// "hmt_residence_permit", "foreign_permanent_residence", "passport", "hk_macao_permit",
// "taiwan_permit", "temporary_id", "household_register". Never change these.
[[nodiscard]] std::string_view IdTypeName(IdType type);

// Chinese name for screens and tickets: "居民身份证", "港澳台居民居住证", …
[[nodiscard]] std::string_view IdTypeDisplayName(IdType type);

// The IdType with this stable name; InvalidArgument listing the valid names otherwise.
[[nodiscard]] Result<IdType> ParseIdType(std::string_view name);

// True for documents accepted only at a staffed station window (temporary ID, household
// register), never online, at kiosks or by partners.
[[nodiscard]] bool WindowOnly(IdType type);

class IdDocument {
 public:
  // Validates `number` as a document of `type`; `today` (Shanghai date) bounds birth dates.
  [[nodiscard]] static Result<IdDocument> Parse(IdType type, std::string_view number,
                                                LocalDate today);

  [[nodiscard]] IdType type() const { return type_; }
  // Normalised: trimmed, upper case.
  [[nodiscard]] const std::string& number() const { return number_; }
  // Encoded in resident IDs, temporary IDs, household registers, HMT residence permits and
  // (when valid) 2023 foreign permanent residence cards; nullopt for the others.
  [[nodiscard]] std::optional<LocalDate> birth_date() const { return birth_date_; }
  // The number masked for display: MaskIdNumber(number()), "3701**********1234".
  [[nodiscard]] std::string Masked() const;

  bool operator==(const IdDocument&) const = default;

 private:
  IdDocument(IdType type, std::string number, std::optional<LocalDate> birth_date)
      : type_(type), number_(std::move(number)), birth_date_(birth_date) {}

  IdType type_;
  std::string number_;
  std::optional<LocalDate> birth_date_;
};

// A valid resident ID number for a synthetic passenger (load generators, benchmarks, tests):
// area 370102 (济南市历下区), born 1970-01-01 plus (serial / 900) % 20000 days, sequence
// 100 + serial % 900, and its check character. Distinct for serials below 18,000,000.
[[nodiscard]] std::string SyntheticResidentId(std::int64_t serial);

}  // namespace keyun::core
