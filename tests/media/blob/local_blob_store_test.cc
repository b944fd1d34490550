// LocalBlobStore beyond the BlobStore contract: its file layout, that a
// failed Put leaves no blob, and the copy across filesystems.
#include "services/media/blob/local_blob_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/media/blob/blob_test_files.h"
#include "tests/support/temp_dir.h"

namespace wecom::media {
namespace {

using ::testing::ElementsAre;
using ::testing::Optional;
using ::wecom::media::testing::FileExists;
using ::wecom::media::testing::kToTheEnd;
using ::wecom::media::testing::RandomBytes;
using ::wecom::media::testing::StagedBlob;
using ::wecom::media::testing::WriteStagedBlob;
using ::wecom::testing::IsOk;
using ::wecom::testing::IsOkAndHolds;
using ::wecom::testing::StatusIs;
using ::wecom::testing::TempDir;

// Every file and directory under `root`, relative to it, sorted.
std::vector<std::string> TreeOf(const std::string& root) {
  std::vector<std::string> entries;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    entries.push_back(std::filesystem::relative(entry.path(), root).string());
  }
  std::sort(entries.begin(), entries.end());
  return entries;
}

class LocalBlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TempDir> dir = TempDir::Create("local-blob-store-test-");
    ASSERT_THAT(dir, IsOk());
    dir_ = *std::move(dir);
    root_ = absl::StrCat(dir_->path(), "/blobs");
    absl::StatusOr<std::unique_ptr<LocalBlobStore>> store = LocalBlobStore::Open(root_);
    ASSERT_THAT(store, IsOk());
    store_ = *std::move(store);
  }

  StagedBlob Stage(absl::string_view bytes, absl::string_view name = "staged") {
    absl::StatusOr<StagedBlob> staged =
        WriteStagedBlob(absl::StrCat(dir_->path(), "/", name), bytes);
    EXPECT_THAT(staged, IsOk());
    return staged.ok() ? *std::move(staged) : StagedBlob();
  }

  std::optional<TempDir> dir_;
  std::string root_;
  std::unique_ptr<LocalBlobStore> store_;
};

TEST_F(LocalBlobStoreTest, LaysBlobsOutUnderTheirFirstTwoHexDigits) {
  const std::string bytes = RandomBytes(300, 1);
  const StagedBlob staged = Stage(bytes);

  ASSERT_THAT(store_->Put(staged.sha256, staged.path, staged.size), IsOk());

  const std::string shard = staged.sha256.substr(0, 2);
  EXPECT_EQ(store_->BlobPath(staged.sha256), absl::StrCat(root_, "/", shard, "/", staged.sha256));
  EXPECT_THAT(TreeOf(root_), ElementsAre(shard, absl::StrCat(shard, "/", staged.sha256)));
  std::ifstream blob(store_->BlobPath(staged.sha256), std::ios::binary);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(blob), {}), bytes);
}

TEST_F(LocalBlobStoreTest, FailedPutLeavesNoBlobAndKeepsTheStagedFile) {
  const StagedBlob staged = Stage(RandomBytes(300, 2));
  // A file where the shard directory belongs makes the rename fail.
  std::ofstream(absl::StrCat(root_, "/", staged.sha256.substr(0, 2))) << "in the way";

  EXPECT_THAT(store_->Put(staged.sha256, staged.path, staged.size), ::testing::Not(IsOk()));

  EXPECT_TRUE(FileExists(staged.path));
  EXPECT_THAT(store_->Stat(staged.sha256), IsOkAndHolds(std::nullopt));
  EXPECT_THAT(store_->Read(staged.sha256, 0, 1), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(LocalBlobStoreTest, StagedFileOnAnotherFilesystemIsCopiedIntoPlace) {
  // /dev/shm is a tmpfs on Linux: rename() from there fails with EXDEV.
  struct stat shm_info;
  struct stat root_info;
  if (::stat("/dev/shm", &shm_info) != 0 || ::stat(root_.c_str(), &root_info) != 0 ||
      shm_info.st_dev == root_info.st_dev) {
    GTEST_SKIP() << "no second filesystem at /dev/shm";
  }
  absl::StatusOr<TempDir> shm_dir = TempDir::CreateIn("/dev/shm", "local-blob-store-test-");
  ASSERT_THAT(shm_dir, IsOk());
  const std::string bytes = RandomBytes(3 * 1024 * 1024 + 7, 3);
  absl::StatusOr<StagedBlob> staged =
      WriteStagedBlob(absl::StrCat(shm_dir->path(), "/staged"), bytes);
  ASSERT_THAT(staged, IsOk());
  ASSERT_EQ(::chmod(staged->path.c_str(), 0640), 0);

  ASSERT_THAT(store_->Put(staged->sha256, staged->path, staged->size), IsOk());

  EXPECT_FALSE(FileExists(staged->path));
  EXPECT_THAT(store_->Read(staged->sha256, 0, kToTheEnd), IsOkAndHolds(bytes));
  const std::string shard = staged->sha256.substr(0, 2);
  EXPECT_THAT(TreeOf(root_), ElementsAre(shard, absl::StrCat(shard, "/", staged->sha256)))
      << "no temporary file is left";
  struct stat blob_info;
  ASSERT_EQ(::stat(store_->BlobPath(staged->sha256).c_str(), &blob_info), 0);
  EXPECT_EQ(blob_info.st_mode & 0777, 0640u) << "the blob keeps the staged file's mode";
}

TEST_F(LocalBlobStoreTest, RacingPutsOfOneBlobAllSucceedAndLeaveOneFile) {
  constexpr int kThreads = 4;
  const std::string bytes = RandomBytes(100'000, 4);
  std::vector<StagedBlob> staged;
  for (int i = 0; i < kThreads; ++i) staged.push_back(Stage(bytes, absl::StrCat("staged-", i)));
  std::vector<absl::Status> results(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back(
        [&, i] { results[i] = store_->Put(staged[i].sha256, staged[i].path, staged[i].size); });
  }
  for (std::thread& thread : threads) thread.join();

  for (int i = 0; i < kThreads; ++i) {
    EXPECT_THAT(results[i], IsOk());
    EXPECT_FALSE(FileExists(staged[i].path));
  }
  const std::string shard = staged[0].sha256.substr(0, 2);
  EXPECT_THAT(TreeOf(root_), ElementsAre(shard, absl::StrCat(shard, "/", staged[0].sha256)));
  EXPECT_THAT(store_->Read(staged[0].sha256, 0, kToTheEnd), IsOkAndHolds(bytes));
}

TEST_F(LocalBlobStoreTest, BlobsOutliveTheStoreObject) {
  const std::string bytes = RandomBytes(300, 5);
  const StagedBlob staged = Stage(bytes);
  ASSERT_THAT(store_->Put(staged.sha256, staged.path, staged.size), IsOk());
  store_.reset();

  absl::StatusOr<std::unique_ptr<LocalBlobStore>> reopened = LocalBlobStore::Open(root_);

  ASSERT_THAT(reopened, IsOk());
  EXPECT_THAT((*reopened)->Stat(staged.sha256), IsOkAndHolds(Optional(bytes.size())));
  EXPECT_THAT((*reopened)->Read(staged.sha256, 0, kToTheEnd), IsOkAndHolds(bytes));
}

TEST(LocalBlobStoreOpenTest, CreatesTheRootWithItsParents) {
  absl::StatusOr<TempDir> dir = TempDir::Create("local-blob-store-open-");
  ASSERT_THAT(dir, IsOk());
  const std::string root = absl::StrCat(dir->path(), "/a/b/c");

  ASSERT_THAT(LocalBlobStore::Open(root), IsOk());

  EXPECT_TRUE(std::filesystem::is_directory(root));
}

TEST(LocalBlobStoreOpenTest, RefusesARootThatIsAFileOrEmpty) {
  absl::StatusOr<TempDir> dir = TempDir::Create("local-blob-store-open-");
  ASSERT_THAT(dir, IsOk());
  const std::string file = absl::StrCat(dir->path(), "/file");
  std::ofstream(file) << "not a directory";

  EXPECT_THAT(LocalBlobStore::Open(file), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(LocalBlobStore::Open(""), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace wecom::media
