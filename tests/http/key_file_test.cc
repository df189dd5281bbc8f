// The node's secrets live in its key file, never in its database (docs/keys.md): a copy of
// the database alone opens no sealed ID number and signs no voucher; a missing, foreign or
// world-readable key file stops the node with a clear message; a restart with the same key file
// reads back what it sealed and verifies what it signed; an older database (migration 0014,
// secrets inside) moves them out into the key file at start, losing nothing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/hex.h"
#include "core/personal_data.h"
#include "core/secret_box.h"
#include "eticket/voucher_codec.h"
#include "http/node.h"
#include "store/key_file.h"
#include "support/test_data.h"
#include "support/test_tools.h"

namespace keyun::http {
namespace {

using ::testing::HasSubstr;
using testing::TempDir;
using testing::TestEngine;

// Each secret as the test looks for it: lower- and upper-case hex, and the raw bytes.
struct Secret {
  std::string name;
  std::string hex;
};

std::vector<Secret> SecretsOf(const store::KeyFile& file) {
  std::vector<Secret> secrets;
  std::vector<std::string> names = file.Names("");
  for (const std::string& name : names) secrets.push_back({name, *file.Get(name)});
  return secrets;
}

std::string Upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

std::string RawBytes(const std::string& hex) {
  std::optional<std::vector<std::uint8_t>> bytes = core::FromHex(hex);
  return bytes ? std::string(bytes->begin(), bytes->end()) : std::string();
}

// Where in `haystack` a secret shows, or "" if none does.
std::string FindSecret(const std::string& haystack, const std::vector<Secret>& secrets) {
  for (const Secret& s : secrets) {
    if (haystack.find(s.hex) != std::string::npos) return s.name + " (hex)";
    if (haystack.find(Upper(s.hex)) != std::string::npos) return s.name + " (HEX)";
    if (haystack.find(RawBytes(s.hex)) != std::string::npos) return s.name + " (raw bytes)";
  }
  return "";
}

// Every value of every table of `store`, searched for the secrets; a list of "table: secret".
std::vector<std::string> ScanEveryTable(store::Store& store, const std::vector<Secret>& secrets) {
  std::vector<std::string> found;
  auto scanned = store.RunTransaction(
      [&](store::Transaction& tx) -> Result<void> {
        found.clear();
        auto tables = tx.Query(store.engine() == store::Engine::kSqlite
                                   ? "SELECT name FROM sqlite_master WHERE type = 'table'"
                                   : "SELECT tablename FROM pg_catalog.pg_tables "
                                     "WHERE schemaname = current_schema()");
        if (!tables) return Propagate(tables);
        EXPECT_GT(tables->size(), 10u);
        for (const store::Row& table : *tables) {
          auto rows = tx.Query("SELECT * FROM " + table.Text(0));
          if (!rows) return Propagate(rows);
          for (const store::Row& row : *rows) {
            for (std::size_t i = 0; i < row.size(); ++i) {
              const auto* text = std::get_if<std::string>(&row.at(i));
              if (text == nullptr) continue;
              if (std::string hit = FindSecret(*text, secrets); !hit.empty()) {
                found.push_back(table.Text(0) + ": " + hit);
              }
            }
          }
        }
        return {};
      },
      {.read_only = true});
  EXPECT_TRUE(scanned.has_value()) << scanned.error().ToString();
  return found;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

unsigned ModeOf(const std::filesystem::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

// A sold ticket: its number, order and passenger's ID number.
struct Sold {
  std::string ticket_number;
  std::string order_id;
  std::string id_number;
};

class KeyFileTest : public ::testing::TestWithParam<TestEngine> {
 protected:
  void SetUp() override {
    if (GetParam() == TestEngine::kPostgres) {
      auto url = testing::FreshDatabase(TestEngine::kPostgres);
      ASSERT_TRUE(url) << url.error().message;
      db_ = *url;
      key_path_ = (dir_.path() / "node.keys").string();
      explicit_key_file_ = key_path_;
    } else {
      db_ = (dir_.path() / "keyun.db").string();
      key_path_ = db_ + ".keys";  // the default: beside the database
    }
    clock_.Set(core::Instant::FromShanghai(*core::LocalDate::Parse("2026-11-23"),
                                           *core::TimeOfDay::Parse("05:00")));
  }

  NodeOptions Options(bool demo = true) {
    NodeOptions options;
    options.db = db_;
    options.key_file = explicit_key_file_;
    options.server = {.port = 0};
    options.demo = demo;
    options.demo_options.days = 2;
    options.presale_days = demo ? 2 : 0;
    options.password_cost = core::PasswordCost::kFastForTests;
    options.clock = &clock_;
    options.expiry_interval = std::chrono::milliseconds(0);
    return options;
  }

  // A node opened and serving (port_).
  std::unique_ptr<Node> OpenNode(bool demo = true) {
    auto node = Node::Open(Options(demo));
    EXPECT_TRUE(node) << node.error().ToString();
    if (!node) return nullptr;
    auto port = (*node)->Start();
    EXPECT_TRUE(port) << port.error().ToString();
    port_ = port ? *port : 0;
    return std::move(*node);
  }

  // One adult ticket on the first run of tomorrow, paid in cash.
  Sold SellOne(Node& node, int serial) {
    auto runs = node.network().ListRuns(clock_.Now().ShanghaiDate().AddDays(1));
    EXPECT_TRUE(runs && !runs->empty());
    if (!runs || runs->empty()) return {};
    const network::RunSummary& run = runs->front();
    auto route = node.network().GetRoute(run.run.route_code);
    EXPECT_TRUE(route);
    Sold sold{.ticket_number = {}, .order_id = {}, .id_number = testing::TestResidentId(serial)};
    auto order = node.sales().CreateOrder(sales::OrderRequest{
        .run_id = run.run.id.str(),
        .from = route->stops.front().station.str(),
        .to = route->stops.back().station.str(),
        .channel = sales::Channel::kMobile,
        .passengers = {{.name = "欧阳娜", .id_type = "resident_id", .id_number = sold.id_number,
                        .fare_type = sales::FareType::kAdult, .seat = std::nullopt}},
        .idempotency_key = "sell-" + std::to_string(serial),
        .seller = {}});
    EXPECT_TRUE(order) << order.error().ToString();
    if (!order) return sold;
    auto paid = node.sales().Pay(order->order_id, sales::PaymentMethod::kCash);
    EXPECT_TRUE(paid) << paid.error().ToString();
    if (!paid) return sold;
    sold.order_id = paid->order_id;
    sold.ticket_number = paid->tickets.at(0).ticket_number;
    return sold;
  }

  // The voucher text of `sold`, as its buyer fetches it.
  std::string Voucher(Node& node, const Sold& sold) {
    httplib::Client client("127.0.0.1", port_);
    auto res = client.Get(("/api/v1/tickets/" + sold.ticket_number + "/voucher").c_str(),
                          {{"X-Access-Token", node.sales().OrderAccessToken(sold.order_id)}});
    EXPECT_TRUE(res);
    if (!res) return "";
    EXPECT_EQ(res->status, 200) << res->body;
    return res->body;
  }

  // A gate's verifier, trusting the keys the node publishes (GET /keys).
  eticket::VoucherVerifier TrustList() {
    httplib::Client client("127.0.0.1", port_);
    auto res = client.Get("/api/v1/keys");
    EXPECT_TRUE(res);
    eticket::VoucherVerifier verifier;
    if (!res) return verifier;
    const nlohmann::json body = nlohmann::json::parse(res->body);
    EXPECT_FALSE(body["items"].empty()) << res->body;
    for (const auto& key : body["items"]) {
      EXPECT_TRUE(verifier.AddKeyHex(std::string(key["key_id"]), std::string(key["public_key"])));
    }
    return verifier;
  }

  // The ID number sealed in the ticket's row, opened with the key file's id_seal_key.
  std::string OpenSealedId(Node& node, const std::string& ticket_number) {
    auto sealed = node.store().Transact<std::string>([&](store::Transaction& tx) -> Result<std::string> {
      auto row = tx.QueryOne("SELECT id_sealed FROM tickets WHERE ticket_number = $1",
                             {store::Value{ticket_number}});
      if (!row) return Propagate(row);
      return row->Text(0);
    });
    EXPECT_TRUE(sealed) << sealed.error().ToString();
    auto file = store::KeyFile::Open(key_path_);
    EXPECT_TRUE(file) << file.error().ToString();
    auto key = store::KeyFromHex("id_seal_key", *(*file)->Get(store::kIdSealKeyName));
    EXPECT_TRUE(key);
    auto clear = core::SecretBox(*key).Open(*sealed);
    EXPECT_TRUE(clear) << clear.error().ToString();
    return clear ? *clear : "";
  }

  std::unique_ptr<store::KeyFile> ReadKeyFile() {
    auto file = store::KeyFile::Open(key_path_);
    EXPECT_TRUE(file) << file.error().ToString();
    return file ? std::move(*file) : nullptr;
  }

  TempDir dir_;
  std::string db_;
  std::string key_path_;           // where the node's key file is
  std::string explicit_key_file_;  // --key-file: PostgreSQL only; SQLite uses the default
  core::FakeClock clock_;
  std::uint16_t port_ = 0;
};

INSTANTIATE_TEST_SUITE_P(Engines, KeyFileTest,
                         ::testing::Values(TestEngine::kSqlite, TestEngine::kPostgres),
                         [](const auto& info) { return testing::TestEngineName(info.param); });

TEST_P(KeyFileTest, FirstStartCreatesTheKeyFile0600WithEverySecret) {
  ASSERT_FALSE(std::filesystem::exists(key_path_));
  std::unique_ptr<Node> node = OpenNode();
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(node->info().key_file, key_path_);
  ASSERT_TRUE(std::filesystem::exists(key_path_));
  EXPECT_EQ(ModeOf(key_path_), 0600u);
  std::unique_ptr<store::KeyFile> file = ReadKeyFile();
  ASSERT_NE(file, nullptr);
  EXPECT_EQ(file->Get(store::kIdSealKeyName)->size(), 64u);
  EXPECT_EQ(file->Get(store::kIdHashKeyName)->size(), 64u);
  EXPECT_EQ(file->Names(store::kVoucherSeedPrefix),
            std::vector<std::string>{"voucher_seed.37-ed25519-0001"});
}

TEST_P(KeyFileTest, NothingInTheDatabaseContainsAKey) {
  std::unique_ptr<Node> node = OpenNode();
  ASSERT_NE(node, nullptr);
  Sold sold = SellOne(*node, 1);
  ASSERT_FALSE(sold.ticket_number.empty());
  std::unique_ptr<store::KeyFile> file = ReadKeyFile();
  ASSERT_NE(file, nullptr);
  std::vector<Secret> secrets = SecretsOf(*file);
  ASSERT_EQ(secrets.size(), 3u);
  EXPECT_THAT(ScanEveryTable(node->store(), secrets), ::testing::IsEmpty());
}

TEST_P(KeyFileTest, RestartWithTheSameKeyFileOpensSealedIdsAndVerifiesEarlierVouchers) {
  Sold sold;
  std::string voucher;
  {
    std::unique_ptr<Node> node = OpenNode();
    ASSERT_NE(node, nullptr);
    sold = SellOne(*node, 7);
    ASSERT_FALSE(sold.ticket_number.empty());
    voucher = Voucher(*node, sold);
    ASSERT_FALSE(voucher.empty());
  }
  std::unique_ptr<Node> node = OpenNode();
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(OpenSealedId(*node, sold.ticket_number), sold.id_number);
  // The earlier voucher verifies against what the restarted node publishes, and the voucher it
  // gives now is signed by the same key.
  eticket::VoucherVerifier gate = TrustList();
  auto earlier = gate.Verify(voucher);
  ASSERT_TRUE(earlier) << earlier.error().ToString();
  EXPECT_EQ(earlier->ticket_number.str(), sold.ticket_number);
  auto now = gate.Verify(Voucher(*node, sold));
  ASSERT_TRUE(now) << now.error().ToString();
  EXPECT_EQ(now->key_id, earlier->key_id);
  // The ID hash key is the same too: the passenger still holds that run's one seat per ID.
  auto again = node->sales().CreateOrder(sales::OrderRequest{
      .run_id = earlier->run.str(),
      .from = earlier->boarding_station.str(),
      .to = earlier->alighting_station.str(),
      .channel = sales::Channel::kMobile,
      .passengers = {{.name = "欧阳娜", .id_type = "resident_id", .id_number = sold.id_number,
                      .fare_type = sales::FareType::kAdult, .seat = std::nullopt}},
      .idempotency_key = "sell-again",
      .seller = {}});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kFailedPrecondition) << again.error().ToString();
  EXPECT_THAT(again.error().message, HasSubstr("already has a ticket"));
}

TEST_P(KeyFileTest, AMissingKeyFileIsRefusedAndNotRecreated) {
  {
    std::unique_ptr<Node> node = OpenNode();
    ASSERT_NE(node, nullptr);
    ASSERT_FALSE(SellOne(*node, 2).ticket_number.empty());
  }
  ASSERT_TRUE(std::filesystem::remove(key_path_));
  auto refused = Node::Open(Options());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(refused.error().message, HasSubstr("sealed under keys that are not in key file"));
  EXPECT_THAT(refused.error().message, HasSubstr(key_path_));
  EXPECT_THAT(refused.error().message, HasSubstr("--key-file"));
  EXPECT_THAT(refused.error().message_zh, HasSubstr("密钥文件"));
  EXPECT_FALSE(std::filesystem::exists(key_path_)) << "no new keys were made up";
}

TEST_P(KeyFileTest, AKeyFileOfAnotherDatabaseIsRefused) {
  {
    std::unique_ptr<Node> node = OpenNode();
    ASSERT_NE(node, nullptr);
  }
  // Another node's key file, put in this one's place.
  TempDir other_dir;
  {
    NodeOptions other = Options(false);
    other.db = (other_dir.path() / "other.db").string();
    other.key_file = "";
    auto node = Node::Open(other);
    ASSERT_TRUE(node) << node.error().ToString();
  }
  std::filesystem::copy_file(other_dir.path() / "other.db.keys", key_path_,
                             std::filesystem::copy_options::overwrite_existing);
  ASSERT_EQ(::chmod(key_path_.c_str(), 0600), 0);
  auto refused = Node::Open(Options());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(refused.error().message, HasSubstr("does not belong to the database"));
  EXPECT_THAT(refused.error().message_zh, HasSubstr("不属于数据库"));
}

TEST_P(KeyFileTest, AKeyFileOthersMayReadIsRefused) {
  {
    std::unique_ptr<Node> node = OpenNode();
    ASSERT_NE(node, nullptr);
  }
  ASSERT_EQ(::chmod(key_path_.c_str(), 0644), 0);
  auto refused = Node::Open(Options());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(refused.error().message, HasSubstr("chmod 600 " + key_path_));
  EXPECT_THAT(refused.error().message_zh, HasSubstr("chmod 600"));
  ASSERT_EQ(::chmod(key_path_.c_str(), 0600), 0);
  EXPECT_NE(OpenNode(), nullptr);
}

TEST(KeyFileSqliteTest, APostgresDatabaseWithoutAKeyFileIsRefused) {
  NodeOptions options;
  options.db = "postgresql://keyun@127.0.0.1:1/none";
  auto refused = Node::Open(options);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(refused.error().message, HasSubstr("--key-file"));
  EXPECT_FALSE(refused.error().message_zh.empty());
}

// Copy the SQLite file away from its key file: it gives back no ID number and no key.
TEST(KeyFileSqliteTest, TheDatabaseFileAloneOpensNothing) {
  TempDir dir;
  const std::string db = (dir.path() / "keyun.db").string();
  core::FakeClock clock(core::Instant::FromShanghai(*core::LocalDate::Parse("2026-11-23"),
                                                    *core::TimeOfDay::Parse("05:00")));
  NodeOptions options;
  options.db = db;
  options.server = {.port = 0};
  options.demo = true;
  options.demo_options.days = 2;
  options.presale_days = 2;
  options.password_cost = core::PasswordCost::kFastForTests;
  options.clock = &clock;
  options.expiry_interval = std::chrono::milliseconds(0);
  std::string id_number = testing::TestResidentId(3);
  {
    auto node = Node::Open(options);
    ASSERT_TRUE(node) << node.error().ToString();
    auto runs = (*node)->network().ListRuns(clock.Now().ShanghaiDate().AddDays(1));
    ASSERT_TRUE(runs && !runs->empty());
    auto route = (*node)->network().GetRoute(runs->front().run.route_code);
    ASSERT_TRUE(route);
    auto order = (*node)->sales().CreateOrder(sales::OrderRequest{
        .run_id = runs->front().run.id.str(),
        .from = route->stops.front().station.str(),
        .to = route->stops.back().station.str(),
        .channel = sales::Channel::kMobile,
        .passengers = {{.name = "欧阳娜", .id_type = "resident_id", .id_number = id_number,
                        .fare_type = sales::FareType::kAdult, .seat = std::nullopt}},
        .idempotency_key = "sell-1",
        .seller = {}});
    ASSERT_TRUE(order) << order.error().ToString();
    ASSERT_TRUE((*node)->sales().Pay(order->order_id, sales::PaymentMethod::kCash));
  }
  auto key_file = store::KeyFile::Open(db + ".keys");
  ASSERT_TRUE(key_file);
  std::vector<Secret> secrets = SecretsOf(**key_file);
  ASSERT_EQ(secrets.size(), 3u);

  TempDir elsewhere;
  const std::filesystem::path copy = elsewhere.path() / "copy.db";
  ASSERT_FALSE(std::filesystem::exists(db + "-wal") && std::filesystem::file_size(db + "-wal") > 0)
      << "the node checkpointed its WAL on close: the .db file is the whole database";
  std::filesystem::copy_file(db, copy);

  // Not in the file's bytes, free pages included, and not in any value of any table.
  const std::string bytes = ReadFile(copy);
  EXPECT_EQ(FindSecret(bytes, secrets), "");
  EXPECT_EQ(bytes.find(id_number), std::string::npos) << "the ID number is sealed";
  {
    auto store = store::Store::Open(copy.string(), {.migrate = false});
    ASSERT_TRUE(store) << store.error().ToString();
    EXPECT_THAT(ScanEveryTable(**store, secrets), ::testing::IsEmpty());
  }

  // A node on the copy alone refuses to start, says why, and makes up no keys.
  options.db = copy.string();
  auto refused = Node::Open(options);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(refused.error().message, HasSubstr("the database alone cannot open it"));
  EXPECT_THAT(refused.error().message_zh, HasSubstr("仅凭数据库无法解密"));
  EXPECT_FALSE(std::filesystem::exists(copy.string() + ".keys"));
}

}  // namespace
}  // namespace keyun::http
