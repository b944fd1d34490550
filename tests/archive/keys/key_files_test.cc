#include "services/archive/keys/key_files.h"

#include <sys/stat.h>

#include <fstream>
#include <string>

#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace wecom::archive {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::wecom::testing::IsOk;
using ::wecom::testing::IsOkAndHolds;
using ::wecom::testing::StatusIs;
using ::wecom::testing::TempDir;

class KeyFilesTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_THAT(dir_, IsOk()); }

  // Writes `content` to a file in the test directory with `mode`.
  std::string WriteFile(const std::string& name, const std::string& content, mode_t mode) {
    const std::string path = dir_->path() + "/" + name;
    std::ofstream(path) << content;
    EXPECT_EQ(chmod(path.c_str(), mode), 0);
    return path;
  }

  absl::StatusOr<TempDir> dir_ = TempDir::Create("key_files_");
};

TEST_F(KeyFilesTest, ReadsOwnerOnlyAndGroupReadableFiles) {
  const std::string owner_only = WriteFile("v1.pem", "pem one", 0600);
  const std::string group_readable = WriteFile("v2.pem", "pem two", 0440);
  EXPECT_THAT(ReadPrivateKeyFiles({{1, owner_only}, {2, group_readable}}),
              IsOkAndHolds(ElementsAre(Pair(1, "pem one"), Pair(2, "pem two"))));
}

TEST_F(KeyFilesTest, RefusesWorldReadableFile) {
  const std::string good = WriteFile("v1.pem", "pem one", 0600);
  const std::string world_readable = WriteFile("v2.pem", "pem two", 0644);
  EXPECT_THAT(ReadPrivateKeyFiles({{1, good}, {2, world_readable}}),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr(world_readable)));
}

TEST_F(KeyFilesTest, RefusesWorldWritableFile) {
  const std::string world_writable = WriteFile("v3.pem", "pem three", 0602);
  EXPECT_THAT(ReadPrivateKeyFiles({{3, world_writable}}),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr(world_writable)));
}

TEST_F(KeyFilesTest, RefusesDirectory) {
  const std::string subdir = dir_->path() + "/not_a_key";
  ASSERT_EQ(mkdir(subdir.c_str(), 0700), 0);
  EXPECT_THAT(ReadPrivateKeyFiles({{1, subdir}}),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("not a regular file")));
}

TEST_F(KeyFilesTest, MissingFileIsNotFoundNamingPath) {
  const std::string missing = dir_->path() + "/missing.pem";
  EXPECT_THAT(ReadPrivateKeyFiles({{1, missing}}),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(missing)));
}

TEST_F(KeyFilesTest, ErrorNeverContainsFileContent) {
  const std::string path = WriteFile("v4.pem", "SECRET-KEY-MATERIAL", 0666);
  const auto result = ReadPrivateKeyFiles({{4, path}});
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(std::string(result.status().message()), ::testing::Not(HasSubstr("SECRET")));
}

}  // namespace
}  // namespace wecom::archive
