#include "eticket/issuer_keys.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "store/store.h"
#include "support/postgres_test_server.h"
#include "voucher_fixture.h"

namespace keyun::eticket {
namespace {

using testing::SamplePayload;
using testing::TempDir;

const core::ProvinceCode& Shandong() {
  static const core::ProvinceCode province = *core::ProvinceCode::Parse("37");
  return province;
}

std::unique_ptr<store::Store> OpenStore(const std::string& location) {
  Result<std::unique_ptr<store::Store>> store = store::Store::Open(location);
  EXPECT_TRUE(store.has_value()) << store.error().ToString();
  return store ? std::move(*store) : nullptr;
}

std::unique_ptr<IssuerKeyStore> OpenKeys(store::Store& store, store::KeyFile& key_file,
                                         const core::Clock& clock,
                                         const core::ProvinceCode& province = Shandong()) {
  Result<std::unique_ptr<IssuerKeyStore>> keys =
      IssuerKeyStore::Open(store, key_file, province, clock);
  EXPECT_TRUE(keys.has_value()) << keys.error().ToString();
  return keys ? std::move(*keys) : nullptr;
}

std::unique_ptr<store::KeyFile> OpenKeyFile(const std::string& path) {
  Result<std::unique_ptr<store::KeyFile>> file = store::KeyFile::Open(path);
  EXPECT_TRUE(file.has_value()) << file.error().ToString();
  return file ? std::move(*file) : nullptr;
}

enum class Engine { kSqlite, kPostgres };

// The issuer_keys table and its SQL on both engines: SQLite in memory, and a fresh database on
// the shared PostgreSQL test server (tests/support).
class IssuerKeyStoreTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    if (GetParam() == Engine::kPostgres) {
      Result<keyun::testing::PostgresTestServer*> server =
          keyun::testing::PostgresTestServer::Shared();
      ASSERT_TRUE(server.has_value()) << server.error().message;
      server_ = *server;
      Result<std::string> url = server_->CreateDatabase();
      ASSERT_TRUE(url.has_value()) << url.error().message;
      location_ = *url;
    } else {
      location_ = ":memory:";
    }
    store_ = OpenStore(location_);
    ASSERT_NE(store_, nullptr);
    keys_ = OpenKeys(*store_, *key_file_, clock_);
    ASSERT_NE(keys_, nullptr);
  }

  void TearDown() override {
    keys_.reset();
    store_.reset();
    if (server_ != nullptr && !location_.empty()) {
      (void)server_->DropDatabase(keyun::testing::PostgresTestServer::DatabaseOf(location_));
    }
  }

  core::FakeClock clock_{core::Instant::FromUnixMicros(1'790'000'000'000'000)};
  keyun::testing::PostgresTestServer* server_ = nullptr;
  std::string location_;
  std::unique_ptr<store::KeyFile> key_file_ = store::KeyFile::InMemory();
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<IssuerKeyStore> keys_;
};

INSTANTIATE_TEST_SUITE_P(Engines, IssuerKeyStoreTest,
                         ::testing::Values(Engine::kSqlite, Engine::kPostgres),
                         [](const ::testing::TestParamInfo<Engine>& info) {
                           return info.param == Engine::kSqlite ? "Sqlite" : "Postgres";
                         });

TEST_P(IssuerKeyStoreTest, GeneratesTheFirstKeyOnFirstOpen) {
  EXPECT_EQ(keys_->ActiveSigner()->key_id(), "37-ed25519-0001");
  const std::vector<IssuerPublicKey> published = keys_->PublicKeys();
  ASSERT_EQ(published.size(), 1u);
  EXPECT_EQ(published[0].key_id, "37-ed25519-0001");
  EXPECT_EQ(published[0].algorithm, SignatureAlgorithm::kEd25519);
  EXPECT_EQ(published[0].public_key_hex.size(), 64u);
  EXPECT_EQ(published[0].created_at, clock_.Now());
  EXPECT_FALSE(published[0].retired_at.has_value());
}

TEST_P(IssuerKeyStoreTest, SignedVouchersVerify) {
  Result<std::string> text = keys_->ActiveSigner()->Issue(SamplePayload(""));
  ASSERT_TRUE(text.has_value()) << text.error().ToString();
  Result<VoucherPayload> verified = keys_->Verifier()->Verify(*text);
  ASSERT_TRUE(verified.has_value()) << verified.error().ToString();
  EXPECT_EQ(*verified, SamplePayload("37-ed25519-0001"));
}

TEST_P(IssuerKeyStoreTest, RotationKeepsOldVouchersValidAndSignsNewOnesWithTheNewKey) {
  const std::shared_ptr<const VoucherSigner> old_signer = keys_->ActiveSigner();
  Result<std::string> old_voucher = old_signer->Issue(SamplePayload(""));
  ASSERT_TRUE(old_voucher.has_value());

  clock_.Advance(std::chrono::hours(24 * 90));
  Result<std::string> rotated = keys_->Rotate();
  ASSERT_TRUE(rotated.has_value()) << rotated.error().ToString();
  EXPECT_EQ(*rotated, "37-ed25519-0002");
  EXPECT_EQ(keys_->ActiveSigner()->key_id(), "37-ed25519-0002");

  Result<std::string> new_voucher = keys_->ActiveSigner()->Issue(SamplePayload(""));
  ASSERT_TRUE(new_voucher.has_value());
  const std::shared_ptr<const VoucherVerifier> verifier = keys_->Verifier();
  EXPECT_EQ(verifier->key_count(), 2u);
  Result<VoucherPayload> old_verified = verifier->Verify(*old_voucher);
  ASSERT_TRUE(old_verified.has_value()) << old_verified.error().ToString();
  EXPECT_EQ(old_verified->key_id, "37-ed25519-0001");
  Result<VoucherPayload> new_verified = verifier->Verify(*new_voucher);
  ASSERT_TRUE(new_verified.has_value()) << new_verified.error().ToString();
  EXPECT_EQ(new_verified->key_id, "37-ed25519-0002");

  // A snapshot taken before the rotation still works for whoever holds it.
  EXPECT_EQ(old_signer->key_id(), "37-ed25519-0001");

  const std::vector<IssuerPublicKey> published = keys_->PublicKeys();
  ASSERT_EQ(published.size(), 2u);
  EXPECT_EQ(published[0].key_id, "37-ed25519-0001");
  EXPECT_EQ(published[0].retired_at, clock_.Now());
  EXPECT_EQ(published[1].key_id, "37-ed25519-0002");
  EXPECT_FALSE(published[1].retired_at.has_value());

  ASSERT_TRUE(keys_->Rotate().has_value());
  EXPECT_EQ(keys_->ActiveSigner()->key_id(), "37-ed25519-0003");
  EXPECT_TRUE(keys_->Verifier()->Verify(*old_voucher).has_value());
}

TEST_P(IssuerKeyStoreTest, RetiredSecretsAreErasedAndOneKeyIsActive) {
  ASSERT_TRUE(keys_->Rotate().has_value());
  Result<store::Rows> rows = store_->Transact<store::Rows>([](store::Transaction& tx) {
    return tx.Query("SELECT key_id, retired_at FROM issuer_keys ORDER BY key_id");
  });
  ASSERT_TRUE(rows.has_value());
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_FALSE((*rows)[0].IsNull(1));
  EXPECT_TRUE((*rows)[1].IsNull(1));
  // Only the active key's seed is in the key file; the retired one's is gone.
  EXPECT_EQ(key_file_->Names(store::kVoucherSeedPrefix),
            std::vector<std::string>{"voucher_seed.37-ed25519-0002"});
  EXPECT_EQ(key_file_->Get("voucher_seed.37-ed25519-0002")->size(), 64u);

  // The database itself refuses a second active key.
  Result<void> second_active = store_->RunTransaction([](store::Transaction& tx) -> Result<void> {
    auto inserted = tx.Execute(
        "INSERT INTO issuer_keys (key_id, algorithm, public_key, created_at) "
        "VALUES ('37-ed25519-0009', 'ed25519', $1, 0)",
        {store::Value{std::string(64, 'a')}});
    if (!inserted) return Propagate(inserted);
    return {};
  });
  EXPECT_FALSE(second_active.has_value());
}

TEST_P(IssuerKeyStoreTest, ReopeningDoesNotMakeAnotherKey) {
  std::unique_ptr<IssuerKeyStore> again = OpenKeys(*store_, *key_file_, clock_);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->ActiveSigner()->key_id(), "37-ed25519-0001");
  EXPECT_EQ(again->PublicKeys(), keys_->PublicKeys());
}

TEST_P(IssuerKeyStoreTest, ReloadSeesAnotherNodesRotation) {
  std::unique_ptr<IssuerKeyStore> other_node = OpenKeys(*store_, *key_file_, clock_);
  ASSERT_NE(other_node, nullptr);
  ASSERT_TRUE(other_node->Rotate().has_value());
  Result<std::string> voucher = other_node->ActiveSigner()->Issue(SamplePayload(""));
  ASSERT_TRUE(voucher.has_value());
  EXPECT_FALSE(keys_->Verifier()->Verify(*voucher).has_value());
  ASSERT_TRUE(keys_->Reload().has_value());
  EXPECT_TRUE(keys_->Verifier()->Verify(*voucher).has_value());
  EXPECT_EQ(keys_->ActiveSigner()->key_id(), "37-ed25519-0002");
}

TEST_P(IssuerKeyStoreTest, RefusesADatabaseOfAnotherProvince) {
  Result<std::unique_ptr<IssuerKeyStore>> beijing =
      IssuerKeyStore::Open(*store_, *key_file_, *core::ProvinceCode::Parse("11"), clock_);
  ASSERT_FALSE(beijing.has_value());
  EXPECT_EQ(beijing.error().code, ErrorCode::kFailedPrecondition);
}

TEST_P(IssuerKeyStoreTest, ConcurrentSigningDuringRotation) {
  // Issuers and verifiers keep working, and never disagree, while keys rotate under them.
  std::atomic<bool> stop{false};
  std::atomic<int> verified{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      while (!stop.load()) {
        Result<std::string> text = keys_->ActiveSigner()->Issue(SamplePayload(""));
        if (text && keys_->Verifier()->Verify(*text)) {
          ++verified;
        } else {
          ++refused;
        }
      }
    });
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (int i = 1; i <= 5; ++i) {
    while (verified.load() < 20 * i && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
    EXPECT_TRUE(keys_->Rotate().has_value());  // not ASSERT: the threads must be joined
  }
  stop = true;
  for (std::thread& t : threads) t.join();
  EXPECT_GE(verified.load(), 100);
  EXPECT_EQ(refused.load(), 0);
  EXPECT_EQ(keys_->ActiveSigner()->key_id(), "37-ed25519-0006");
}

// Nodes of one province sharing one database (DESIGN.md §6) and one key file start at the
// same moment.
void ExpectConcurrentFirstOpensAgree(const std::string& location, store::KeyFile& key_file) {
  core::FakeClock clock(core::Instant::FromUnixMicros(1'790'000'000'000'000));
  constexpr int kNodes = 4;
  std::unique_ptr<store::Store> stores[kNodes];
  for (auto& store : stores) {
    store = OpenStore(location);
    ASSERT_NE(store, nullptr);
  }
  std::unique_ptr<IssuerKeyStore> nodes[kNodes];
  std::vector<std::thread> threads;
  for (int i = 0; i < kNodes; ++i) {
    threads.emplace_back([&, i] { nodes[i] = OpenKeys(*stores[i], key_file, clock); });
  }
  for (std::thread& t : threads) t.join();
  for (const auto& node : nodes) {
    ASSERT_NE(node, nullptr);
    EXPECT_EQ(node->ActiveSigner()->key_id(), "37-ed25519-0001");
    EXPECT_EQ(node->PublicKeys(), nodes[0]->PublicKeys());
  }
}

TEST(IssuerKeyStoreSharedTest, NodesOpeningAnEmptySqliteFileAtOnceAgreeOnOneKey) {
  TempDir dir;
  Result<std::unique_ptr<store::KeyFile>> key_file =
      store::KeyFile::Open((dir.path() / "node.db.keys").string());
  ASSERT_TRUE(key_file.has_value()) << key_file.error().ToString();
  ExpectConcurrentFirstOpensAgree((dir.path() / "node.db").string(), **key_file);
}

TEST(IssuerKeyStoreSharedTest, NodesOpeningAnEmptyPostgresDatabaseAtOnceAgreeOnOneKey) {
  Result<keyun::testing::PostgresTestServer*> server = keyun::testing::PostgresTestServer::Shared();
  ASSERT_TRUE(server.has_value()) << server.error().message;
  const Result<std::string> url = (*server)->CreateDatabase();
  ASSERT_TRUE(url.has_value()) << url.error().message;
  std::unique_ptr<store::KeyFile> key_file = store::KeyFile::InMemory();
  ExpectConcurrentFirstOpensAgree(*url, *key_file);
  (void)(*server)->DropDatabase(keyun::testing::PostgresTestServer::DatabaseOf(*url));
}

TEST(IssuerKeyStoreFileTest, KeysPersistAcrossReopeningASqliteFile) {
  TempDir dir;
  const std::string location = (dir.path() / "node.db").string();
  core::FakeClock clock(core::Instant::FromUnixMicros(1'790'000'000'000'000));
  std::string old_voucher;
  const std::string key_path = location + ".keys";
  std::vector<IssuerPublicKey> published;
  {
    std::unique_ptr<store::Store> store = OpenStore(location);
    ASSERT_NE(store, nullptr);
    std::unique_ptr<store::KeyFile> key_file = OpenKeyFile(key_path);
    ASSERT_NE(key_file, nullptr);
    std::unique_ptr<IssuerKeyStore> keys = OpenKeys(*store, *key_file, clock);
    ASSERT_NE(keys, nullptr);
    Result<std::string> text = keys->ActiveSigner()->Issue(SamplePayload(""));
    ASSERT_TRUE(text.has_value());
    old_voucher = *text;
    ASSERT_TRUE(keys->Rotate().has_value());
    published = keys->PublicKeys();
  }
  std::unique_ptr<store::Store> store = OpenStore(location);
  ASSERT_NE(store, nullptr);
  std::unique_ptr<store::KeyFile> key_file = OpenKeyFile(key_path);  // read again from disk
  ASSERT_NE(key_file, nullptr);
  std::unique_ptr<IssuerKeyStore> keys = OpenKeys(*store, *key_file, clock);
  ASSERT_NE(keys, nullptr);
  EXPECT_EQ(keys->PublicKeys(), published);
  EXPECT_EQ(keys->ActiveSigner()->key_id(), "37-ed25519-0002");
  EXPECT_TRUE(keys->Verifier()->Verify(old_voucher).has_value());
  // The reopened signer is the same key: its vouchers verify against the published list.
  VoucherVerifier gate;
  for (const IssuerPublicKey& key : published) {
    ASSERT_TRUE(gate.AddKeyHex(key.key_id, key.public_key_hex).has_value());
  }
  Result<std::string> text = keys->ActiveSigner()->Issue(SamplePayload(""));
  ASSERT_TRUE(text.has_value());
  EXPECT_TRUE(gate.Verify(*text).has_value());
  EXPECT_TRUE(gate.Verify(old_voucher).has_value());
}

// The database alone cannot sign: without the key file (or with another database's), Open
// refuses and says why, in English and Chinese, instead of making up a key.
TEST_P(IssuerKeyStoreTest, RefusesAKeyFileWithoutTheActiveSeed) {
  std::unique_ptr<store::KeyFile> empty = store::KeyFile::InMemory();
  Result<std::unique_ptr<IssuerKeyStore>> keys = IssuerKeyStore::Open(*store_, *empty, Shandong(),
                                                                      clock_);
  ASSERT_FALSE(keys.has_value());
  EXPECT_EQ(keys.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(keys.error().message, ::testing::HasSubstr("37-ed25519-0001"));
  EXPECT_THAT(keys.error().message, ::testing::HasSubstr("is not in key file"));
  EXPECT_THAT(keys.error().message_zh, ::testing::HasSubstr("密钥文件"));
  EXPECT_TRUE(empty->Names(store::kVoucherSeedPrefix).empty()) << "no key was made up";
}

TEST_P(IssuerKeyStoreTest, RefusesAKeyFileWhoseSeedIsAnotherKey) {
  std::unique_ptr<store::KeyFile> foreign = store::KeyFile::InMemory();
  ASSERT_TRUE(foreign->Set({{"voucher_seed.37-ed25519-0001", std::string(64, '7')}}).has_value());
  Result<std::unique_ptr<IssuerKeyStore>> keys =
      IssuerKeyStore::Open(*store_, *foreign, Shandong(), clock_);
  ASSERT_FALSE(keys.has_value());
  EXPECT_EQ(keys.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(keys.error().message, ::testing::HasSubstr("does not match"));
  EXPECT_FALSE(keys.error().message_zh.empty());
}

}  // namespace
}  // namespace keyun::eticket
