#include "core/admin_divisions.h"

#include <algorithm>
#include <iterator>

namespace keyun::core {
namespace {

struct ProvinceRow {
  std::string_view code;
  std::string_view name;
};

struct CityRow {
  std::string_view code;
  std::string_view name;
  std::string_view province_code;
};

// Defines kProvinces, kCities and kCounties, each sorted by code.
#include "admin_divisions_data.inc"

// Binary search by exact code in a table sorted by code.
template <class Row, std::size_t N>
const Row* FindByCode(const Row (&table)[N], std::string_view code) {
  const Row* end = table + N;
  const Row* it = std::lower_bound(table, end, code,
                                   [](const Row& row, std::string_view c) { return row.code < c; });
  if (it == end || it->code != code) return nullptr;
  return it;
}

}  // namespace

const Division* FindCounty(std::string_view six_digit_code) {
  if (six_digit_code.size() != 6) return nullptr;
  return FindByCode(kCounties, six_digit_code);
}

std::string_view ProvinceName(std::string_view two_digit_code) {
  if (two_digit_code.size() != 2) return {};
  const ProvinceRow* row = FindByCode(kProvinces, two_digit_code);
  return row == nullptr ? std::string_view() : row->name;
}

std::string_view CityName(std::string_view four_digit_code) {
  if (four_digit_code.size() != 4) return {};
  const CityRow* row = FindByCode(kCities, four_digit_code);
  return row == nullptr ? std::string_view() : row->name;
}

std::span<const Division> CountiesOfProvince(std::string_view two_digit_code) {
  if (two_digit_code.size() != 2) return {};
  // Counties are sorted by code and a county's code starts with its province's code, so the
  // province's counties form one contiguous run.
  const Division* begin = std::begin(kCounties);
  const Division* end = std::end(kCounties);
  const Division* first = std::lower_bound(
      begin, end, two_digit_code,
      [](const Division& d, std::string_view p) { return d.code.substr(0, 2) < p; });
  const Division* last = std::upper_bound(
      first, end, two_digit_code,
      [](std::string_view p, const Division& d) { return p < d.code.substr(0, 2); });
  return {first, last};
}

std::span<const Division> AllCounties() { return {std::begin(kCounties), std::end(kCounties)}; }

}  // namespace keyun::core
