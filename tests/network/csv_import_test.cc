// CSV import and export through NetworkService, on SQLite and PostgreSQL.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "network/csv.h"
#include "network/network_service.h"
#include "network_fixture.h"

namespace keyun::network {
namespace {

using ::testing::HasSubstr;
using testing::kJinan;
using testing::kRoute;
using testing::NetworkTest;
using ::testing::Not;

class CsvImportTest : public NetworkTest {
 protected:
  ImportReport Import(Table table, std::string_view text) {
    auto report = network_->ImportCsv(table, text);
    EXPECT_TRUE(report) << report.error().ToString();
    return report.value_or(ImportReport{});
  }
  Error ImportFails(Table table, std::string_view text) {
    auto report = network_->ImportCsv(table, text);
    EXPECT_FALSE(report) << "imported " << report->inserted;
    return report ? Error{} : report.error();
  }
};
KEYUN_NETWORK_ENGINES(CsvImportTest);

constexpr std::string_view kStations =
    "code,name,grade,address,pinyin,active\r\n"
    "370102001,济南长途汽车总站,1,\"济南市天桥区济泺路, 北首\",JNCTQCZZ,1\r\n"
    "370113001,长清汽车站,3,,,\r\n"
    "370902001,泰安汽车站,2,泰安市,tazcz,0\r\n";

TEST_P(CsvImportTest, ImportsStationsAndReportsCounts) {
  ImportReport report = Import(Table::kStations, kStations);
  EXPECT_EQ(report.records, 3);
  EXPECT_EQ(report.inserted, 3);
  EXPECT_EQ(report.updated, 0);
  Station jinan = network_->GetStation(kJinan).value();
  EXPECT_EQ(jinan.address, "济南市天桥区济泺路, 北首");
  Station taian = network_->GetStation(testing::kTaian).value();
  EXPECT_EQ(taian.pinyin, "TAZCZ");
  EXPECT_FALSE(taian.active);
  EXPECT_TRUE(network_->GetStation(testing::kChangqing).value().active);  // empty → active

  report = Import(Table::kStations, kStations);
  EXPECT_EQ(report.inserted, 0);
  EXPECT_EQ(report.updated, 3);
}

TEST_P(CsvImportTest, ColumnsMayComeInAnyOrderWithBomAndLf) {
  ImportReport report =
      Import(Table::kStations, "\xEF\xBB\xBFgrade,name,code\n1,济南长途汽车总站,370102001\n");
  EXPECT_EQ(report.inserted, 1);
  EXPECT_EQ(network_->GetStation(kJinan).value().grade, 1);
}

TEST_P(CsvImportTest, EveryBadRowIsReportedWithItsLineAndNothingIsImported) {
  const std::string text =
      "code,name,grade,address,pinyin,active\n"
      "370102001,济南长途汽车总站,1,,,\n"  // line 2: fine
      "370113001,长清汽车站,7,,,\n"        // line 3: grade
      "379999001,不存在汽车站,3,,,\n"      // line 4: no such county
      "37011300X,坏代码,3,,,\n"            // line 5: code format
      "370902001,,2,,,maybe\n"             // line 6: name and active
      "370124001,平阴汽车站,3,,,\n"        // line 7: fine
      "370102001,济南长途汽车总站,1,,,\n"  // line 8: repeats line 2
      "370126001,商河汽车站,3\n";          // line 9: too few fields
  Error error = ImportFails(Table::kStations, text);
  EXPECT_EQ(error.code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(error.field, "line 3, grade");
  const std::string& m = error.message;
  EXPECT_THAT(m, HasSubstr("6 bad rows, nothing imported"));
  EXPECT_THAT(m, HasSubstr("line 3, grade:"));
  EXPECT_THAT(m, HasSubstr("line 4, code:"));
  EXPECT_THAT(m, HasSubstr("line 5, code:"));
  EXPECT_THAT(m, HasSubstr("line 6, name:"));
  EXPECT_THAT(m, HasSubstr("line 6, active:"));
  EXPECT_THAT(m, HasSubstr("line 8: "));
  EXPECT_THAT(m, HasSubstr("already given on line 2"));
  EXPECT_THAT(m, HasSubstr("line 9: has 3 fields but the header has 6"));
  EXPECT_THAT(m, Not(HasSubstr("line 2,")));
  EXPECT_THAT(m, Not(HasSubstr("line 7")));
  // Not even the good rows went in.
  EXPECT_TRUE(network_->ListStations().value().empty());
}

TEST_P(CsvImportTest, BadReferencesAreReportedPerRowToo) {
  Import(Table::kStations, kStations);
  const std::string vehicles =
      "plate,carrier,seats,layout,vehicle_class,active\n"
      "鲁A12345," +
      testing::CarrierCode().str() +
      ",45,2+2,大型高一级,1\n"  // no such carrier
      "鲁A1234," +
      testing::CarrierCode().str() +
      ",45,2+2,large_high1,1\n"                            // bad plate
      "鲁A54321,91370102MA3C00000,45,2+2,large_high1,1\n"  // bad credit code
      "鲁A99999," +
      testing::CarrierCode().str() + ",90,2+2,bus,1\n";  // seats, class
  Error error = ImportFails(Table::kVehicles, vehicles);
  EXPECT_THAT(error.message, HasSubstr("4 bad rows"));
  EXPECT_THAT(error.message, HasSubstr("line 2, carrier: there is no carrier"));
  EXPECT_THAT(error.message, HasSubstr("line 3, plate:"));
  EXPECT_THAT(error.message, HasSubstr("line 4, carrier:"));
  EXPECT_THAT(error.message, HasSubstr("line 5, seats:"));
  EXPECT_THAT(error.message, HasSubstr("line 5, vehicle_class:"));
}

TEST_P(CsvImportTest, HeaderProblemsNameTheColumns) {
  Error error = ImportFails(Table::kStations, "code,nom,grade,colour\n370102001,x,1,red\n");
  EXPECT_EQ(error.field, "header");
  EXPECT_THAT(error.message, HasSubstr("unknown column \"nom\""));
  EXPECT_THAT(error.message, HasSubstr("unknown column \"colour\""));
  EXPECT_THAT(error.message, HasSubstr("missing column name"));

  error = ImportFails(Table::kStations, "code,name,grade,code\n");
  EXPECT_THAT(error.message, HasSubstr("column code appears twice"));

  error = ImportFails(Table::kStations, "");
  EXPECT_EQ(error.field, "header");

  error = ImportFails(Table::kStations, "code,name,grade\n\"370102001,x,1\n");
  EXPECT_THAT(error.message, HasSubstr("line 2"));
}

TEST_P(CsvImportTest, RoutesAreOneRowPerStop) {
  Import(Table::kStations, kStations);
  const std::string routes =
      "route_code,route_name,route_class,stop_index,station_code,km\n"
      "R370102-001,济南—泰安,2,2,370902001,75\n"  // stops may come in any order
      "R370102-001,济南—泰安,2,0,370102001,0\n"
      "R370102-001,济南—泰安,2,1,370113001,32\n"
      "R370113-001,长清—泰安,4,0,370113001,0\n"
      "R370113-001,长清—泰安,4,1,370902001,43\n";
  ImportReport report = Import(Table::kRoutes, routes);
  EXPECT_EQ(report.records, 5);
  EXPECT_EQ(report.inserted, 2);
  EXPECT_EQ(network_->GetRoute(kRoute).value(), testing::JinanTaianRoute());
  Route short_route = network_->GetRoute("R370113-001").value();
  EXPECT_EQ(short_route.route_class, 4);
  EXPECT_FALSE(short_route.real_name_required);  // the class default when the column is absent
}

TEST_P(CsvImportTest, RouteErrorsPointAtTheStopsLine) {
  Import(Table::kStations, kStations);
  const std::string routes =
      "route_code,route_name,route_class,real_name_required,stop_index,station_code,km\n"
      "R1,甲,2,1,0,370102001,0\n"
      "R1,甲,2,1,1,370113001,50\n"
      "R1,甲,2,1,2,370902001,40\n"  // line 4: km not increasing
      "R2,乙,3,0,0,370102001,0\n"
      "R2,乙,3,0,2,370902001,40\n"  // line 6: no stop 1
      "R3,丙,1,0,0,370102001,0\n"   // line 7: real name is mandatory on 一类
      "R3,丙,1,0,1,370902001,80\n"
      "R4,丁,3,,0,370102001,0\n"
      "R4,戊,3,,1,370124001,9\n";  // line 10: other name; station does not exist
  Error error = ImportFails(Table::kRoutes, routes);
  EXPECT_THAT(error.message, HasSubstr("line 4, km: "));
  EXPECT_THAT(error.message, HasSubstr("line 6, stop_index: route R2 has no stop 1"));
  EXPECT_THAT(error.message, HasSubstr("line 7, real_name_required:"));
  EXPECT_THAT(error.message, HasSubstr("line 10, route_name:"));
  EXPECT_TRUE(network_->ListRoutes().value().empty());
}

TEST_P(CsvImportTest, FaresNameStopsByStation) {
  SeedSmallNetwork();
  const std::string fares =
      "route_code,from_station,to_station,adult,child,discount,station_fee,cap\n"
      "R370102-001,370102001,370902001,10.00,,,1.00,12.00\n"  // child, discount default ½
      "R370102-001,370113001,370902001,6.50,3.00,3.25,1,7\n";
  ImportReport report = Import(Table::kFares, fares);
  EXPECT_EQ(report.updated, 2);
  const std::vector<Fare> stored = network_->ListFares(kRoute).value();
  ASSERT_EQ(stored.size(), 3u);
  EXPECT_EQ(stored[1].adult.ToString(), "10.00");
  EXPECT_EQ(stored[1].child.ToString(), "5.00");
  EXPECT_EQ(stored[1].discount.ToString(), "5.00");
  EXPECT_EQ(stored[2].discount.ToString(), "3.25");

  const std::string bad =
      "route_code,from_station,to_station,adult,station_fee,cap\n"
      "R999,370102001,370902001,10.00,1,12\n"         // line 2: no route
      "R370102-001,370124001,370902001,10.00,1,12\n"  // line 3: not a stop
      "R370102-001,370902001,370102001,10.00,1,12\n"  // line 4: backwards
      "R370102-001,370102001,370902001,12.5x,1,12\n"  // line 5: amount
      "R370102-001,370102001,370113001,10.00,1,9\n";  // line 6: cap below adult
  Error error = ImportFails(Table::kFares, bad);
  EXPECT_THAT(error.message, HasSubstr("5 bad rows"));
  EXPECT_THAT(error.message, HasSubstr("line 2, route_code:"));
  EXPECT_THAT(error.message, HasSubstr("line 3, from_station:"));
  EXPECT_THAT(error.message, HasSubstr("line 4, from_station:"));  // the last stop
  EXPECT_THAT(error.message, HasSubstr("line 5, adult:"));
  EXPECT_THAT(error.message, HasSubstr("line 6, cap:"));
}

TEST_P(CsvImportTest, StaffPasswordsAreHashedOnImport) {
  SeedSmallNetwork();
  const std::string staff =
      "username,display_name,role,station_code,carrier,active,password\n"
      "wang,王售票,clerk,370102001,,1,s3cret-pass\n"
      "liu,刘管理,province_admin,,,,another-pass\n";
  ImportReport report = Import(Table::kStaff, staff);
  EXPECT_EQ(report.inserted, 2);
  EXPECT_EQ(network_->Authenticate("wang", "s3cret-pass").value().role, Role::kClerk);
  EXPECT_TRUE(network_->Authenticate("liu", "another-pass"));
  const std::string exported = network_->ExportCsv(Table::kStaff).value();
  EXPECT_THAT(exported, Not(HasSubstr("s3cret-pass")));
  EXPECT_THAT(exported, HasSubstr("$argon2id$"));

  // An update without a password keeps the stored one; a new account without one is refused.
  Import(Table::kStaff,
         "username,display_name,role,station_code\nwang,王某,gate_operator,370102001\n");
  EXPECT_EQ(network_->Authenticate("wang", "s3cret-pass").value().role, Role::kGateOperator);
  Error error = ImportFails(Table::kStaff,
                            "username,display_name,role,password\n"
                            "zhao,赵,auditor,\n"
                            "qian,钱,auditor,short\n"
                            "sun,孙,clerk,long-enough\n");
  EXPECT_THAT(error.message, HasSubstr("line 2, password:"));
  EXPECT_THAT(error.message, HasSubstr("line 3, password:"));
  EXPECT_THAT(error.message, HasSubstr("line 4, station_code:"));
}

TEST_P(CsvImportTest, DryRunChecksAndCountsButWritesNothing) {
  auto report = network_->ImportCsv(Table::kStations, kStations, {.dry_run = true});
  ASSERT_TRUE(report) << report.error().ToString();
  EXPECT_EQ(report->inserted, 3);
  EXPECT_TRUE(network_->ListStations().value().empty());
}

TEST_P(CsvImportTest, ExportThenImportIntoAFreshStoreGivesTheSameData) {
  SeedSmallNetwork();
  ASSERT_TRUE(network_->CreateStaff(Staff{.username = "clerk",
                                          .display_name = "售票员, 一号",
                                          .role = Role::kClerk,
                                          .station = kJinan},
                                    "keyun-demo"));
  Station quoted = network_->GetStation(kJinan).value();
  quoted.address = "济南市\"天桥区\", 济泺路 北首";  // quotes and a comma
  ASSERT_TRUE(network_->UpsertStation(quoted));

  std::map<Table, std::string> exported;
  for (Table table : AllTables()) {
    auto text = network_->ExportCsv(table);
    ASSERT_TRUE(text) << text.error().ToString();
    exported[table] = *text;
    EXPECT_TRUE(text->starts_with("\xEF\xBB\xBF")) << TableName(table);
  }

  auto fresh_store = store::Store::Open(":memory:");
  ASSERT_TRUE(fresh_store);
  NetworkService fresh(**fresh_store, clock_, {.password_cost = core::PasswordCost::kFastForTests});
  for (Table table : AllTables()) {
    auto report = fresh.ImportCsv(table, exported[table]);
    ASSERT_TRUE(report) << TableName(table) << ": " << report.error().ToString();
    EXPECT_EQ(report->updated, 0);
  }
  for (Table table : AllTables()) {
    EXPECT_EQ(fresh.ExportCsv(table).value(), exported[table]) << TableName(table);
  }
  EXPECT_EQ(fresh.GetStation(kJinan).value().address, quoted.address);
  EXPECT_TRUE(fresh.Authenticate("clerk", "keyun-demo"));  // the hash travelled
}

TEST_P(CsvImportTest, TablesHaveNames) {
  for (Table table : AllTables()) EXPECT_EQ(ParseTable(TableName(table)).value(), table);
  EXPECT_EQ(ParseTable("runs").error().field, "table");
}

}  // namespace
}  // namespace keyun::network
