// The upgrade to migration 0015: a database of an older keyun keeps its secrets inside
// (node_meta id_hash_key and id_seal_key, issuer_keys.secret_key). At start the node moves them
// into its key file, written 0600, before the migration drops them: nothing is lost — sealed
// IDs still open, vouchers signed before still verify, the same key goes on signing — and the
// database no longer holds them. Migrating without the key file is refused, losing nothing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

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

// A voucher's payload; only who signs it matters here.
eticket::VoucherPayload Payload(std::int64_t serial) {
  const core::Instant departs = core::Instant::FromShanghai(*core::LocalDate::Parse("2026-11-24"),
                                                            *core::TimeOfDay::Parse("08:30"));
  return eticket::VoucherPayload{
      .key_id = "",
      .ticket_number = *core::TicketNumber::Make(*core::ProvinceCode::Parse("37"),
                                                 *core::LocalDate::Parse("2026-11-20"), serial),
      .run = *core::RunId::Parse("370102001-20261124-K0301"),
      .boarding_stop = 0,
      .boarding_station = *core::StationCode::Parse("370102001"),
      .alighting_stop = 1,
      .alighting_station = *core::StationCode::Parse("370602001"),
      .seat = 3,
      .fare = core::Money::Fen(5000),
      .fare_type = eticket::FareType::kAdult,
      .passenger_name_masked = "欧*娜",
      .id_hash = std::nullopt,
      .valid_from = departs - std::chrono::hours(2),
      .valid_until = departs + std::chrono::hours(1),
      .issued_at = departs - std::chrono::hours(30)};
}

// What an older keyun left in its database, as the test made it.
struct OldSecrets {
  std::string seal_hex, hash_hex;
  std::string retired_seed_hex, active_seed_hex;  // keys 37-ed25519-0001 (retired) and 0002
  std::string retired_public_hex, active_public_hex;
  std::string old_voucher, older_voucher;  // signed by 0002 and by 0001
  std::string id_number, sealed;           // sealed under seal_hex
};

class KeyFileUpgradeTest : public ::testing::TestWithParam<TestEngine> {
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
      key_path_ = db_ + ".keys";
    }
    ASSERT_NO_FATAL_FAILURE(MakeOldDatabase());
  }

  // A database at migration 0014 with the secrets inside, written as keyun did before 0015.
  void MakeOldDatabase() {
    auto store = store::Store::Open(db_, {.migrate = false});
    ASSERT_TRUE(store) << store.error().ToString();
    auto applied = (*store)->Migrate(
        store::MigrateOptions{.progress = {}, .before_migration = {}, .up_to_version = 14});
    ASSERT_TRUE(applied) << applied.error().ToString();
    ASSERT_EQ(*(*store)->SchemaVersion(), 14);

    const auto seal = core::SecretBox::GenerateKey();
    const auto hash = core::KeyedHasher::GenerateKey();
    const auto retired_seed = core::SecretBox::GenerateKey();  // 32 random bytes
    const auto active_seed = core::SecretBox::GenerateKey();
    auto retired = eticket::VoucherSigner::FromSeed("37-ed25519-0001", retired_seed);
    auto active = eticket::VoucherSigner::FromSeed("37-ed25519-0002", active_seed);
    ASSERT_TRUE(retired && active);
    old_.seal_hex = core::ToHex(seal);
    old_.hash_hex = core::ToHex(hash);
    old_.retired_seed_hex = core::ToHex(retired_seed);
    old_.active_seed_hex = core::ToHex(active_seed);
    old_.retired_public_hex = core::ToHex(retired->public_key());
    old_.active_public_hex = core::ToHex(active->public_key());
    old_.older_voucher = *retired->Issue(Payload(1));
    old_.old_voucher = *active->Issue(Payload(2));
    old_.id_number = testing::TestResidentId(42);
    old_.sealed = core::SecretBox(seal).Seal(old_.id_number);

    auto written = (*store)->RunTransaction([&](store::Transaction& tx) -> Result<void> {
      for (auto [key, value] : {std::pair{"id_hash_key", old_.hash_hex},
                                std::pair{"id_seal_key", old_.seal_hex}}) {
        auto ok = tx.Execute("INSERT INTO node_meta (key, value) VALUES ($1, $2)",
                             {store::Value{std::string(key)}, store::Value{value}});
        if (!ok) return Propagate(ok);
      }
      auto retired_row = tx.Execute(
          "INSERT INTO issuer_keys (key_id, algorithm, public_key, secret_key, created_at, "
          "retired_at) VALUES ('37-ed25519-0001', 'ed25519', $1, NULL, 1, 2)",
          {store::Value{old_.retired_public_hex}});
      if (!retired_row) return Propagate(retired_row);
      auto active_row = tx.Execute(
          "INSERT INTO issuer_keys (key_id, algorithm, public_key, secret_key, created_at) "
          "VALUES ('37-ed25519-0002', 'ed25519', $1, $2, 2)",
          {store::Value{old_.active_public_hex}, store::Value{old_.active_seed_hex}});
      if (!active_row) return Propagate(active_row);
      return {};
    });
    ASSERT_TRUE(written) << written.error().ToString();
  }

  NodeOptions Options() const {
    NodeOptions options;
    options.db = db_;
    options.key_file = explicit_key_file_;
    options.server = {.port = 0};
    options.presale_days = 0;
    options.password_cost = core::PasswordCost::kFastForTests;
    options.expiry_interval = std::chrono::milliseconds(0);
    return options;
  }

  TempDir dir_;
  std::string db_;
  std::string key_path_;
  std::string explicit_key_file_;
  OldSecrets old_;
};

INSTANTIATE_TEST_SUITE_P(Engines, KeyFileUpgradeTest,
                         ::testing::Values(TestEngine::kSqlite, TestEngine::kPostgres),
                         [](const auto& info) { return testing::TestEngineName(info.param); });

TEST_P(KeyFileUpgradeTest, StartMovesTheSecretsIntoTheKeyFileAndLosesNothing) {
  {
    auto node = Node::Open(Options());
    ASSERT_TRUE(node) << node.error().ToString();
    EXPECT_EQ((*node)->info().schema_version, store::LatestSchemaVersion());

    // The key file has them, 0600; the retired key's seed was already gone and stays gone.
    struct stat st {};
    ASSERT_EQ(::stat(key_path_.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    auto file = store::KeyFile::Open(key_path_);
    ASSERT_TRUE(file) << file.error().ToString();
    EXPECT_EQ((*file)->Get("id_seal_key"), old_.seal_hex);
    EXPECT_EQ((*file)->Get("id_hash_key"), old_.hash_hex);
    EXPECT_EQ((*file)->Names("voucher_seed."),
              std::vector<std::string>{"voucher_seed.37-ed25519-0002"});
    EXPECT_EQ((*file)->Get("voucher_seed.37-ed25519-0002"), old_.active_seed_hex);

    // The database does not: no value of any table holds one, and the column is gone.
    store::Store& store = (*node)->store();
    auto leftovers = store.Transact<std::vector<std::string>>(
        [&](store::Transaction& tx) -> Result<std::vector<std::string>> {
          std::vector<std::string> found;
          auto tables = tx.Query(store.engine() == store::Engine::kSqlite
                                     ? "SELECT name FROM sqlite_master WHERE type = 'table'"
                                     : "SELECT tablename FROM pg_catalog.pg_tables "
                                       "WHERE schemaname = current_schema()");
          if (!tables) return Propagate(tables);
          for (const store::Row& table : *tables) {
            auto rows = tx.Query("SELECT * FROM " + table.Text(0));
            if (!rows) return Propagate(rows);
            for (const store::Row& row : *rows) {
              for (std::size_t i = 0; i < row.size(); ++i) {
                const auto* text = std::get_if<std::string>(&row.at(i));
                if (text == nullptr) continue;
                for (const std::string* secret :
                     {&old_.seal_hex, &old_.hash_hex, &old_.active_seed_hex}) {
                  if (text->find(*secret) != std::string::npos) found.push_back(table.Text(0));
                }
              }
            }
          }
          return found;
        },
        {.read_only = true});
    ASSERT_TRUE(leftovers) << leftovers.error().ToString();
    EXPECT_THAT(*leftovers, ::testing::IsEmpty());
    auto column = store.Transact<store::Rows>(
        [](store::Transaction& tx) { return tx.Query("SELECT secret_key FROM issuer_keys"); },
        {.read_only = true});
    EXPECT_FALSE(column) << "issuer_keys.secret_key is dropped";

    // The old sealed ID opens with the key file's key.
    auto seal = store::KeyFromHex("id_seal_key", *(*file)->Get("id_seal_key"));
    ASSERT_TRUE(seal);
    auto opened = core::SecretBox(*seal).Open(old_.sealed);
    ASSERT_TRUE(opened) << opened.error().ToString();
    EXPECT_EQ(*opened, old_.id_number);

    // Both keys are still published, the old one signing on; old vouchers verify.
    auto port = (*node)->Start();
    ASSERT_TRUE(port) << port.error().ToString();
    httplib::Client client("127.0.0.1", *port);
    auto res = client.Get("/api/v1/keys");
    ASSERT_TRUE(res);
    auto items = nlohmann::json::parse(res->body)["items"];
    ASSERT_EQ(items.size(), 2u) << res->body;
    eticket::VoucherVerifier gate;
    for (const auto& key : items) {
      ASSERT_TRUE(gate.AddKeyHex(std::string(key["key_id"]), std::string(key["public_key"])));
    }
    EXPECT_EQ(items[1]["key_id"], "37-ed25519-0002");
    EXPECT_EQ(items[1]["public_key"], old_.active_public_hex);
    EXPECT_TRUE(items[1]["retired_at"].is_null());
    EXPECT_TRUE(gate.Verify(old_.old_voucher));
    EXPECT_TRUE(gate.Verify(old_.older_voucher));
  }
  if (GetParam() == TestEngine::kSqlite) {
    // Not in the file's bytes either: the migration overwrote what it deleted (secure_delete).
    std::ifstream in(db_, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (const std::string* secret : {&old_.seal_hex, &old_.hash_hex, &old_.active_seed_hex}) {
      EXPECT_EQ(bytes.find(*secret), std::string::npos);
    }
  }
  // And the upgraded node restarts on its key file.
  auto again = Node::Open(Options());
  ASSERT_TRUE(again) << again.error().ToString();
}

TEST_P(KeyFileUpgradeTest, MigratingWithoutTheKeyFileIsRefusedAndLosesNothing) {
  auto store = store::Store::Open(db_, {.migrate = false});
  ASSERT_TRUE(store) << store.error().ToString();
  auto applied = (*store)->Migrate();
  ASSERT_FALSE(applied);
  EXPECT_THAT(applied.error().message, HasSubstr("0015_secrets_out_of_store"));
  EXPECT_THAT(applied.error().ToString(), HasSubstr("move_secrets_to_the_key_file_first"));
  EXPECT_EQ(*(*store)->SchemaVersion(), 14);
  auto kept = (*store)->Transact<store::Rows>(
      [](store::Transaction& tx) {
        return tx.Query("SELECT value FROM node_meta WHERE key = 'id_seal_key'");
      },
      {.read_only = true});
  ASSERT_TRUE(kept);
  ASSERT_EQ(kept->size(), 1u);
  EXPECT_EQ(kept->front().Text(0), old_.seal_hex);
}

TEST_P(KeyFileUpgradeTest, AKeyFileOfAnotherDatabaseStopsTheUpgrade) {
  {
    std::ofstream out(key_path_);
    out << "id_seal_key=" << std::string(64, 'e') << "\n";
  }
  ASSERT_EQ(::chmod(key_path_.c_str(), 0600), 0);
  auto refused = Node::Open(Options());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(refused.error().message, HasSubstr("belongs to another database"));
  EXPECT_FALSE(refused.error().message_zh.empty());
  auto store = store::Store::Open(db_, {.migrate = false});
  ASSERT_TRUE(store);
  EXPECT_EQ(*(*store)->SchemaVersion(), 14) << "nothing was dropped";
}

}  // namespace
}  // namespace keyun::http
