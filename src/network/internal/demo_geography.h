// The demo province's raw material: a portable random source, real geography (GB/T 2260
// cities and counties, Shandong's prefecture borders and plate letters) and pinyin initials.
// Private to src/network (demo_province.cc).
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/admin_divisions.h"

namespace keyun::network::internal {

// std::mt19937_64 with our own mapping to ranges, so a seed gives the same sequence with every
// standard library (std::uniform_int_distribution does not).
class DemoRandom {
 public:
  explicit DemoRandom(std::uint64_t seed) : engine_(seed) {}

  // In [lo, hi]. Plain modulo: the bias is below 2^-50 for the small ranges used here, and
  // unlike std::uniform_int_distribution the mapping is ours, hence portable.
  int Between(int lo, int hi) {
    return lo + static_cast<int>(engine_() % static_cast<std::uint64_t>(hi - lo + 1));
  }
  bool Chance(int percent) { return Between(1, 100) <= percent; }
  template <class T>
  const T& Pick(const std::vector<T>& items) {
    return items[static_cast<std::size_t>(Between(0, static_cast<int>(items.size()) - 1))];
  }
  template <class T>
  void Shuffle(std::vector<T>& items) {
    for (std::size_t i = items.size(); i > 1; --i) {
      std::swap(items[i - 1], items[static_cast<std::size_t>(Between(0, static_cast<int>(i) - 1))]);
    }
  }

 private:
  std::mt19937_64 engine_;
};

// A prefecture-level city of the demo province.
struct DemoCity {
  std::string code;                             // "3701"
  std::string short_name;                       // "济南"
  std::string full_name;                        // "济南市"
  const core::Division* seat = nullptr;         // the seat: its lowest-coded area
  std::vector<const core::Division*> counties;  // the other areas, development zones left out
  std::vector<int> neighbours;                  // indexes of bordering cities in the list
  char plate_letter = 'A';                      // 鲁A …
};

// The cities of a province in code order (municipalities: one, named after the province).
// Shandong uses its real borders and plate letters; other provinces take the cities before and
// after in code order as neighbours, and letters in city order.
[[nodiscard]] std::vector<DemoCity> DemoCitiesOf(std::string_view province_code);

// Whether a county-level area is a district (市辖区): its name ends with 区.
[[nodiscard]] bool IsDistrict(std::string_view name);

// "平阴县" → "平阴", "滕州市" → "滕州"; two-character names keep their suffix ("莒县").
[[nodiscard]] std::string ShortPlaceName(std::string_view name);

// The pinyin initial of one character (UTF-8) from the demo's table, or '\0' if not in it.
[[nodiscard]] char PinyinInitialOf(std::string_view character);

}  // namespace keyun::network::internal
