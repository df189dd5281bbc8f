#include "core/admin_divisions.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

namespace keyun::core {
namespace {

TEST(AdminDivisionsTest, FindsCountiesWithTheirCityAndProvince) {
  const Division* lixia = FindCounty("370102");
  ASSERT_NE(lixia, nullptr);
  EXPECT_EQ(lixia->code, "370102");
  EXPECT_EQ(lixia->name, "历下区");
  EXPECT_EQ(lixia->city_code, "3701");
  EXPECT_EQ(lixia->province_code, "37");

  const Division* chaoyang = FindCounty("110105");  // the area of GB 11643's example number
  ASSERT_NE(chaoyang, nullptr);
  EXPECT_EQ(chaoyang->name, "朝阳区");
}

TEST(AdminDivisionsTest, CitiesWithoutCountiesAreTheirOwnCountyLevelArea) {
  const Division* dongguan = FindCounty("441900");
  ASSERT_NE(dongguan, nullptr);
  EXPECT_EQ(dongguan->name, "东莞市");
  EXPECT_EQ(CityName("4419"), "东莞市");
}

TEST(AdminDivisionsTest, FirstAndLastRowsAreFound) {
  ASSERT_FALSE(AllCounties().empty());
  EXPECT_NE(FindCounty(AllCounties().front().code), nullptr);
  EXPECT_NE(FindCounty(AllCounties().back().code), nullptr);
  EXPECT_EQ(AllCounties().front().code, "110101");  // 北京 东城区
}

TEST(AdminDivisionsTest, UnknownOrMalformedCodesAreNotFound) {
  EXPECT_EQ(FindCounty("110103"), nullptr);  // 崇文区, merged into 东城区 in 2010
  EXPECT_EQ(FindCounty("370199"), nullptr);
  EXPECT_EQ(FindCounty("000000"), nullptr);
  EXPECT_EQ(FindCounty("810000"), nullptr);  // Hong Kong is not a county-level area here
  EXPECT_EQ(FindCounty(""), nullptr);
  EXPECT_EQ(FindCounty("37010"), nullptr);
  EXPECT_EQ(FindCounty("3701020"), nullptr);
  EXPECT_EQ(FindCounty("37010a"), nullptr);
}

TEST(AdminDivisionsTest, ProvinceNames) {
  EXPECT_EQ(ProvinceName("11"), "北京市");
  EXPECT_EQ(ProvinceName("37"), "山东省");
  EXPECT_EQ(ProvinceName("65"), "新疆维吾尔自治区");
  EXPECT_EQ(ProvinceName("10"), "");
  EXPECT_EQ(ProvinceName("71"), "");  // Taiwan, Hong Kong and Macao are not in the table
  EXPECT_EQ(ProvinceName("81"), "");
  EXPECT_EQ(ProvinceName("3"), "");
  EXPECT_EQ(ProvinceName("370"), "");
}

TEST(AdminDivisionsTest, CityNames) {
  EXPECT_EQ(CityName("3701"), "济南市");
  EXPECT_EQ(CityName("1101"), "市辖区");
  EXPECT_EQ(CityName("3799"), "");
  EXPECT_EQ(CityName("370"), "");
}

TEST(AdminDivisionsTest, TableIsSortedUniqueAndConsistent) {
  const auto all = AllCounties();
  EXPECT_GT(all.size(), 2800u);
  std::set<std::string_view> provinces;
  for (std::size_t i = 0; i < all.size(); ++i) {
    const Division& d = all[i];
    if (i > 0) {
      EXPECT_LT(all[i - 1].code, d.code);
    }
    ASSERT_EQ(d.code.size(), 6u) << d.code;
    EXPECT_EQ(d.code.find_first_not_of("0123456789"), std::string_view::npos) << d.code;
    EXPECT_EQ(d.code.substr(0, 4), d.city_code) << d.code;
    EXPECT_EQ(d.code.substr(0, 2), d.province_code) << d.code;
    EXPECT_FALSE(d.name.empty()) << d.code;
    EXPECT_NE(ProvinceName(d.province_code), "") << d.code;
    EXPECT_NE(CityName(d.city_code), "") << d.code;
    provinces.insert(d.province_code);
  }
  EXPECT_EQ(provinces.size(), 31u);
}

TEST(AdminDivisionsTest, CountiesOfProvinceIsTheProvincesContiguousRun) {
  const auto shandong = CountiesOfProvince("37");
  ASSERT_FALSE(shandong.empty());
  EXPECT_EQ(shandong.front().code.substr(0, 2), "37");
  EXPECT_EQ(shandong.back().code.substr(0, 2), "37");
  EXPECT_TRUE(std::is_sorted(shandong.begin(), shandong.end(),
                             [](const Division& a, const Division& b) { return a.code < b.code; }));
  std::size_t counted = 0;
  for (const Division& d : AllCounties()) counted += d.province_code == "37";
  EXPECT_EQ(shandong.size(), counted);

  std::size_t total = 0;
  for (int p = 10; p <= 99; ++p) total += CountiesOfProvince(std::to_string(p)).size();
  EXPECT_EQ(total, AllCounties().size());

  EXPECT_TRUE(CountiesOfProvince("99").empty());
  EXPECT_TRUE(CountiesOfProvince("").empty());
  EXPECT_TRUE(CountiesOfProvince("370").empty());
}

}  // namespace
}  // namespace keyun::core
