#include "network/internal/demo_geography.h"

#include <algorithm>
#include <iterator>
#include <map>

#include "network/internal/text.h"

namespace keyun::network::internal {
namespace {

// ---- Pinyin initials of the characters in Shandong's station names ---------------------------

struct PinyinInitial {
  std::string_view character;
  char initial;
};

// Readings as used in the place names (单县 Shàn, 莘县 Shēn, 费县 Bì, 东阿 Ē, 乐陵 Lè).
constexpr PinyinInitial kPinyin[] = {
    {"上", 'S'}, {"丘", 'Q'}, {"东", 'D'}, {"临", 'L'}, {"乐", 'L'}, {"乡", 'X'}, {"乳", 'R'},
    {"云", 'Y'}, {"五", 'W'}, {"信", 'X'}, {"光", 'G'}, {"兰", 'L'}, {"兴", 'X'}, {"冠", 'G'},
    {"利", 'L'}, {"单", 'S'}, {"南", 'N'}, {"博", 'B'}, {"原", 'Y'}, {"县", 'X'}, {"口", 'K'},
    {"台", 'T'}, {"唐", 'T'}, {"商", 'S'}, {"嘉", 'J'}, {"坊", 'F'}, {"城", 'C'}, {"夏", 'X'},
    {"威", 'W'}, {"宁", 'N'}, {"安", 'A'}, {"密", 'M'}, {"寿", 'S'}, {"山", 'S'}, {"岛", 'D'},
    {"州", 'Z'}, {"巨", 'J'}, {"平", 'P'}, {"广", 'G'}, {"庄", 'Z'}, {"庆", 'Q'}, {"度", 'D'},
    {"微", 'W'}, {"德", 'D'}, {"总", 'Z'}, {"惠", 'H'}, {"成", 'C'}, {"招", 'Z'}, {"新", 'X'},
    {"无", 'W'}, {"日", 'R'}, {"昌", 'C'}, {"明", 'M'}, {"曲", 'Q'}, {"曹", 'C'}, {"朐", 'Q'},
    {"枣", 'Z'}, {"栖", 'Q'}, {"桓", 'H'}, {"梁", 'L'}, {"棣", 'D'}, {"武", 'W'}, {"民", 'M'},
    {"水", 'S'}, {"汶", 'W'}, {"汽", 'Q'}, {"沂", 'Y'}, {"沭", 'S'}, {"河", 'H'}, {"泗", 'S'},
    {"泰", 'T'}, {"泽", 'Z'}, {"津", 'J'}, {"济", 'J'}, {"海", 'H'}, {"淄", 'Z'}, {"清", 'Q'},
    {"源", 'Y'}, {"滕", 'T'}, {"滨", 'B'}, {"潍", 'W'}, {"烟", 'Y'}, {"照", 'Z'}, {"祥", 'X'},
    {"禹", 'Y'}, {"站", 'Z'}, {"聊", 'L'}, {"肥", 'F'}, {"胶", 'J'}, {"荣", 'R'}, {"莒", 'J'},
    {"莘", 'S'}, {"莱", 'L'}, {"莲", 'L'}, {"菏", 'H'}, {"营", 'Y'}, {"蒙", 'M'}, {"西", 'X'},
    {"诸", 'Z'}, {"谷", 'G'}, {"费", 'B'}, {"车", 'C'}, {"远", 'Y'}, {"途", 'T'}, {"邑", 'Y'},
    {"邹", 'Z'}, {"郓", 'Y'}, {"郯", 'T'}, {"鄄", 'J'}, {"野", 'Y'}, {"金", 'J'}, {"长", 'C'},
    {"阜", 'F'}, {"阳", 'Y'}, {"阴", 'Y'}, {"阿", 'E'}, {"陵", 'L'}, {"霞", 'X'}, {"青", 'Q'},
    {"饶", 'R'}, {"高", 'G'}, {"鱼", 'Y'}, {"齐", 'Q'}, {"龙", 'L'}, {"北", 'B'}, {"客", 'K'},
    {"运", 'Y'}, {"中", 'Z'},
};

// ---- Geography --------------------------------------------------------------------------------

// Neighbouring prefecture-level cities of Shandong (shared borders). Other provinces fall back to
// neighbours in code order, which is coarse but keeps routes within a few prefectures.
const std::map<std::string_view, std::vector<std::string_view>>& ShandongNeighbours() {
  static const std::map<std::string_view, std::vector<std::string_view>> kNeighbours = {
      {"3701", {"3714", "3715", "3709", "3703", "3716"}},
      {"3702", {"3706", "3707", "3711"}},
      {"3703", {"3701", "3716", "3705", "3707", "3713", "3709"}},
      {"3704", {"3708", "3713"}},
      {"3705", {"3716", "3703", "3707"}},
      {"3706", {"3710", "3702", "3707"}},
      {"3707", {"3702", "3706", "3705", "3703", "3713", "3711"}},
      {"3708", {"3717", "3709", "3704", "3713", "3715"}},
      {"3709", {"3701", "3708", "3715", "3713", "3703"}},
      {"3710", {"3706"}},
      {"3711", {"3702", "3707", "3713"}},
      {"3713", {"3711", "3707", "3703", "3709", "3708", "3704"}},
      {"3714", {"3701", "3715", "3716"}},
      {"3715", {"3714", "3701", "3709", "3708", "3717"}},
      {"3716", {"3714", "3701", "3703", "3705"}},
      {"3717", {"3708", "3715"}},
  };
  return kNeighbours;
}

// Shandong's plate letters (鲁A 济南 … 鲁R 菏泽); elsewhere letters follow city order.
const std::map<std::string_view, char>& ShandongPlateLetters() {
  static const std::map<std::string_view, char> kLetters = {
      {"3701", 'A'}, {"3702", 'B'}, {"3703", 'C'}, {"3704", 'D'}, {"3705", 'E'}, {"3706", 'F'},
      {"3707", 'G'}, {"3708", 'H'}, {"3709", 'J'}, {"3710", 'K'}, {"3711", 'L'}, {"3713", 'Q'},
      {"3714", 'N'}, {"3715", 'P'}, {"3716", 'M'}, {"3717", 'R'},
  };
  return kLetters;
}

bool IsDevelopmentZone(std::string_view name) {
  for (std::string_view word : {"开发区", "高新", "管理区", "工业园", "示范区", "试验区", "新区"}) {
    if (name.find(word) != std::string_view::npos) return true;
  }
  return false;
}

}  // namespace

bool IsDistrict(std::string_view name) { return name.ends_with("区"); }

// "平阴县" → "平阴", "滕州市" → "滕州"; two-character names keep their suffix ("莒县").
std::string ShortPlaceName(std::string_view name) {
  for (std::string_view suffix : {"县", "市", "区", "旗"}) {
    if (name.ends_with(suffix) && internal::Utf8Length(name) > 2) {
      return std::string(name.substr(0, name.size() - suffix.size()));
    }
  }
  return std::string(name);
}

std::vector<DemoCity> DemoCitiesOf(std::string_view province) {
  std::vector<DemoCity> cities;
  std::map<std::string, std::size_t> index;
  const std::string province_name(core::ProvinceName(province));
  for (const core::Division& county : core::CountiesOfProvince(province)) {
    if (IsDevelopmentZone(county.name)) continue;
    auto [it, fresh] = index.emplace(std::string(county.city_code), cities.size());
    if (fresh) {
      std::string full(core::CityName(county.city_code));
      // Municipalities list their districts under the placeholder "市辖区".
      if (full.empty() || full == "市辖区" || full == "县") full = province_name;
      cities.push_back(DemoCity{.code = std::string(county.city_code),
                                .short_name = ShortPlaceName(full),
                                .full_name = full,
                                .seat = nullptr,
                                .counties = {},
                                .neighbours = {},
                                .plate_letter = 'A'});
    }
    DemoCity& city = cities[it->second];
    if (city.seat == nullptr) {
      city.seat = &county;  // the lowest code: the first urban district
    } else {
      city.counties.push_back(&county);
    }
  }
  const auto& known = ShandongNeighbours();
  const auto& letters = ShandongPlateLetters();
  constexpr std::string_view kLetters = "ABCDEFGHJKLMNPQRSTUVWXYZ";
  for (std::size_t i = 0; i < cities.size(); ++i) {
    DemoCity& city = cities[i];
    if (auto found = known.find(city.code); found != known.end()) {
      for (std::string_view code : found->second) {
        if (auto n = index.find(std::string(code)); n != index.end()) {
          city.neighbours.push_back(static_cast<int>(n->second));
        }
      }
    } else {
      if (i > 0) city.neighbours.push_back(static_cast<int>(i - 1));
      if (i + 1 < cities.size()) city.neighbours.push_back(static_cast<int>(i + 1));
    }
    auto letter = letters.find(city.code);
    city.plate_letter = letter != letters.end() ? letter->second : kLetters[i % kLetters.size()];
  }
  return cities;
}

char PinyinInitialOf(std::string_view character) {
  const auto found = std::find_if(std::begin(kPinyin), std::end(kPinyin),
                                  [&](const PinyinInitial& p) { return p.character == character; });
  return found == std::end(kPinyin) ? '\0' : found->initial;
}

}  // namespace keyun::network::internal
