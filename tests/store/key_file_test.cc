#include "store/key_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <string>

#include "store/store.h"
#include "support/test_tools.h"

namespace keyun::store {
namespace {

using ::testing::HasSubstr;
using keyun::testing::TempDir;

unsigned ModeOf(const std::filesystem::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST(KeyFile, IsCreatedOnTheFirstWriteWithMode0600AndReadsBack) {
  TempDir dir;
  const auto path = dir.path() / "node.db.keys";
  auto file = KeyFile::Open(path.string());
  ASSERT_TRUE(file.has_value()) << file.error().ToString();
  EXPECT_FALSE((*file)->exists());
  EXPECT_FALSE(std::filesystem::exists(path)) << "opening alone writes nothing";

  const std::string seal(64, 'a');
  ASSERT_TRUE((*file)->Set({{"id_seal_key", seal}, {"voucher_seed.37-ed25519-0001", "0f1e"}}));
  EXPECT_TRUE((*file)->exists());
  EXPECT_EQ(ModeOf(path), 0600u);
  const std::string text = ReadAll(path);
  EXPECT_THAT(text, HasSubstr("# keyun key file"));
  EXPECT_THAT(text, HasSubstr("id_seal_key=" + seal + "\n"));
  EXPECT_THAT(text, HasSubstr("voucher_seed.37-ed25519-0001=0f1e\n"));

  // Rewritten whole, still 0600, and read back by another opener.
  ASSERT_TRUE((*file)->Erase({"voucher_seed.37-ed25519-0001"}));
  EXPECT_EQ(ModeOf(path), 0600u);
  EXPECT_FALSE(std::filesystem::exists(path.string() + ".tmp"));
  auto again = KeyFile::Open(path.string());
  ASSERT_TRUE(again.has_value()) << again.error().ToString();
  EXPECT_EQ((*again)->Get("id_seal_key"), seal);
  EXPECT_EQ((*again)->Get("voucher_seed.37-ed25519-0001"), std::nullopt);
}

TEST(KeyFile, SetIfAbsentKeepsWhatIsThere) {
  std::unique_ptr<KeyFile> file = KeyFile::InMemory();
  ASSERT_TRUE(file->Set({{"id_hash_key", "aa"}}));
  auto values = file->SetIfAbsent({{"id_hash_key", "bb"}, {"id_seal_key", "cc"}});
  ASSERT_TRUE(values.has_value());
  EXPECT_EQ(*values, (std::vector<std::string>{"aa", "cc"}));
  EXPECT_EQ(file->Get("id_hash_key"), "aa");
}

TEST(KeyFile, RefusesAFileOthersMayRead) {
  TempDir dir;
  const auto path = dir.path() / "node.db.keys";
  {
    auto file = KeyFile::Open(path.string());
    ASSERT_TRUE(file.has_value());
    ASSERT_TRUE((*file)->Set({{"id_seal_key", std::string(64, 'b')}}));
  }
  for (unsigned mode : {0644u, 0640u, 0604u, 0660u}) {
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
    auto file = KeyFile::Open(path.string());
    ASSERT_FALSE(file.has_value()) << std::oct << mode;
    EXPECT_EQ(file.error().code, ErrorCode::kFailedPrecondition);
    EXPECT_THAT(file.error().message, HasSubstr("chmod 600 " + path.string()));
    EXPECT_THAT(file.error().message_zh, HasSubstr("chmod 600"));
    EXPECT_THAT(file.error().message_zh, HasSubstr("密钥文件"));
  }
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  EXPECT_TRUE(KeyFile::Open(path.string()).has_value());
}

TEST(KeyFile, RefusesAMalformedFileNamingTheLine) {
  TempDir dir;
  const auto path = dir.path() / "bad.keys";
  {
    std::ofstream out(path);
    out << "# comment\nid_seal_key=abcd\nid_hash_key: abcd\n";
  }
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  auto file = KeyFile::Open(path.string());
  ASSERT_FALSE(file.has_value());
  EXPECT_EQ(file.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(file.error().message, HasSubstr("line 3"));
  EXPECT_THAT(file.error().message_zh, HasSubstr("第 3 行"));
}

TEST(KeyFile, ForDatabaseDefaultsBesideSqliteInMemoryForMemoryAndNeedsAPathForPostgres) {
  TempDir dir;
  const std::string db = (dir.path() / "keyun.db").string();
  auto beside = KeyFile::ForDatabase(db, "");
  ASSERT_TRUE(beside.has_value());
  EXPECT_EQ((*beside)->path(), db + ".keys");

  auto memory = KeyFile::ForDatabase(":memory:", "");
  ASSERT_TRUE(memory.has_value());
  EXPECT_EQ((*memory)->path(), "");

  auto postgres = KeyFile::ForDatabase("postgresql://keyun@localhost/keyun", "");
  ASSERT_FALSE(postgres.has_value());
  EXPECT_EQ(postgres.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(postgres.error().message, HasSubstr("--key-file"));
  EXPECT_THAT(postgres.error().message, HasSubstr("KEYUN_KEY_FILE"));
  EXPECT_THAT(postgres.error().message_zh, HasSubstr("--key-file"));

  auto given = KeyFile::ForDatabase("postgresql://keyun@localhost/keyun",
                                    (dir.path() / "pg.keys").string());
  ASSERT_TRUE(given.has_value());
  EXPECT_EQ((*given)->path(), (dir.path() / "pg.keys").string());
}

TEST(KeyFile, FingerprintDependsOnBothKeysAndShowsNeither) {
  std::array<std::uint8_t, 32> seal{}, hash{}, other{};
  seal.fill(1);
  hash.fill(2);
  other.fill(3);
  const std::string fingerprint = KeyFingerprint(seal, hash);
  EXPECT_THAT(fingerprint, ::testing::StartsWith("v1:"));
  EXPECT_EQ(fingerprint, KeyFingerprint(seal, hash));
  EXPECT_NE(fingerprint, KeyFingerprint(other, hash));
  EXPECT_NE(fingerprint, KeyFingerprint(seal, other));
  EXPECT_THAT(fingerprint, ::testing::Not(HasSubstr("01010101")));
  EXPECT_THAT(fingerprint, ::testing::Not(HasSubstr("02020202")));
}

}  // namespace
}  // namespace keyun::store
