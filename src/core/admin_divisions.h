// GB/T 2260 administrative divisions (行政区划代码), compiled into the binary.
//
//   if (const Division* county = FindCounty("370102")) {
//     Show(county->name, ProvinceName(county->province_code));   // 历下区, 山东省
//   }
//
// Codes: province 2 digits ("37"), prefecture-level city 4 digits ("3701"), county-level area
// 6 digits ("370102"). The table is data/admin-divisions (china-division 2.7.0), turned into a
// sorted constant array at build time by cmake/EmbedAdminDivisions.cmake, so lookups do no I/O
// and allocate nothing. It holds the current codes only: codes abolished by past boundary
// changes (e.g. 110103 崇文区, merged into 东城区 in 2010) are not in it.
//
// It holds the 31 mainland provinces; Hong Kong (81), Macao (82) and Taiwan (71) are not
// provinces here (see id_document.h for the residence permits that use 810000/820000/830000).
// Some prefecture-level cities have no county level (东莞 4419, 中山 4420, 儋州 4604); the
// table lists each of them as a county-level area of its own (441900, 442000, 460400).
// A city's name may be the placeholder "市辖区" (districts of a municipality, e.g. 1101).
//
// Thread-safety: everything here is immutable static data; call from any thread.
// Returned pointers, views and spans refer to static storage and never dangle.
#pragma once

#include <span>
#include <string_view>

namespace keyun::core {

// A county-level area (县级行政区: district, county, county-level city, banner).
struct Division {
  std::string_view code;           // 6 digits, "370102"
  std::string_view name;           // UTF-8, "历下区"
  std::string_view city_code;      // 4 digits, "3701"
  std::string_view province_code;  // 2 digits, "37"
};

// The county-level area with this 6-digit code, or nullptr if the code is not in the table
// (including any input that is not exactly 6 ASCII digits).
[[nodiscard]] const Division* FindCounty(std::string_view six_digit_code);

// UTF-8 name of the province with this 2-digit code ("37" → "山东省"), or "" if unknown.
[[nodiscard]] std::string_view ProvinceName(std::string_view two_digit_code);

// UTF-8 name of the prefecture-level city with this 4-digit code ("3701" → "济南市"), or "" if
// unknown.
[[nodiscard]] std::string_view CityName(std::string_view four_digit_code);

// All county-level areas of a province, sorted by code; empty if the province is unknown.
[[nodiscard]] std::span<const Division> CountiesOfProvince(std::string_view two_digit_code);

// All county-level areas, sorted by code.
[[nodiscard]] std::span<const Division> AllCounties();

}  // namespace keyun::core
