// The BlobStore contract, checked on every backend: LocalBlobStore on a
// temporary directory, and S3BlobStore on s3rver (a real S3-protocol server,
// checking signatures).
#include "services/media/blob/blob_store.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/media/blob/local_blob_store.h"
#include "services/media/blob/s3_blob_store.h"
#include "tests/media/blob/blob_test_files.h"
#include "tests/support/s3_server.h"
#include "tests/support/temp_dir.h"

namespace wecom::media {
namespace {

using ::testing::IsEmpty;
using ::testing::Optional;
using ::wecom::media::testing::FileExists;
using ::wecom::media::testing::kToTheEnd;
using ::wecom::media::testing::RandomBytes;
using ::wecom::media::testing::StagedBlob;
using ::wecom::testing::IsOk;
using ::wecom::testing::IsOkAndHolds;
using ::wecom::testing::S3Server;
using ::wecom::testing::StatusIs;
using ::wecom::testing::TempDir;

enum class Backend { kLocal, kS3 };

std::string BackendName(Backend backend) { return backend == Backend::kLocal ? "Local" : "S3"; }

// Names the backend in test names and CTest's test list.
void PrintTo(Backend backend, std::ostream* out) { *out << BackendName(backend); }

class BlobStoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    absl::StatusOr<TempDir> dir = TempDir::Create("blob-store-test-");
    ASSERT_THAT(dir, IsOk());
    dir_ = *std::move(dir);
    if (GetParam() == Backend::kLocal) {
      absl::StatusOr<std::unique_ptr<LocalBlobStore>> store =
          LocalBlobStore::Open(absl::StrCat(dir_->path(), "/blobs"));
      ASSERT_THAT(store, IsOk());
      store_ = *std::move(store);
    } else {
      absl::StatusOr<std::unique_ptr<S3Server>> server = S3Server::Start();
      ASSERT_THAT(server, IsOk());
      s3_server_ = *std::move(server);
      absl::StatusOr<std::unique_ptr<S3BlobStore>> store =
          S3BlobStore::Create(testing::S3OptionsFor(*s3_server_));
      ASSERT_THAT(store, IsOk());
      store_ = *std::move(store);
    }
  }

  // Writes `bytes` to a new staged file.
  StagedBlob Stage(absl::string_view bytes) {
    absl::StatusOr<StagedBlob> staged =
        testing::WriteStagedBlob(absl::StrCat(dir_->path(), "/staged-", ++staged_files_), bytes);
    EXPECT_THAT(staged, IsOk());
    return staged.ok() ? *std::move(staged) : StagedBlob();
  }

  // Stages `bytes` and puts them.
  StagedBlob Store(absl::string_view bytes) {
    StagedBlob staged = Stage(bytes);
    EXPECT_THAT(store_->Put(staged.sha256, staged.path, staged.size), IsOk());
    return staged;
  }

  std::optional<TempDir> dir_;
  std::unique_ptr<S3Server> s3_server_;
  std::unique_ptr<BlobStore> store_;
  int staged_files_ = 0;
};

TEST_P(BlobStoreTest, PutThenStatAndReadRoundTrip) {
  const std::string bytes = RandomBytes(4096, 1);
  const StagedBlob staged = Stage(bytes);

  ASSERT_THAT(store_->Put(staged.sha256, staged.path, staged.size), IsOk());

  EXPECT_FALSE(FileExists(staged.path)) << "Put consumes the staged file";
  EXPECT_THAT(store_->Stat(staged.sha256), IsOkAndHolds(Optional(bytes.size())));
  EXPECT_THAT(store_->Read(staged.sha256, 0, bytes.size()), IsOkAndHolds(bytes));
}

TEST_P(BlobStoreTest, MultiMebibyteBlobReadsBackByteIdentical) {
  constexpr uint64_t kPiece = 512 * 1024;
  const std::string bytes = RandomBytes(5 * 1024 * 1024 + 123, 2);
  const StagedBlob staged = Store(bytes);

  std::string pieces;
  for (uint64_t offset = 0; offset < bytes.size(); offset += kPiece) {
    absl::StatusOr<std::string> piece = store_->Read(staged.sha256, offset, kPiece);
    ASSERT_THAT(piece, IsOk());
    pieces += *piece;
  }
  EXPECT_TRUE(pieces == bytes) << "pieces differ from the bytes put";
  absl::StatusOr<std::string> whole = store_->Read(staged.sha256, 0, kToTheEnd);
  ASSERT_THAT(whole, IsOk());
  EXPECT_TRUE(*whole == bytes) << "the whole blob differs from the bytes put";
}

TEST_P(BlobStoreTest, EmptyBlobHasSizeZeroAndReadsEmpty) {
  const StagedBlob staged = Store("");

  EXPECT_EQ(staged.sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_THAT(store_->Stat(staged.sha256), IsOkAndHolds(Optional(0u)));
  EXPECT_THAT(store_->Read(staged.sha256, 0, 10), IsOkAndHolds(IsEmpty()));
  EXPECT_THAT(store_->Read(staged.sha256, 1, 1), StatusIs(absl::StatusCode::kOutOfRange));
}

TEST_P(BlobStoreTest, SecondPutOfTheSameBytesConsumesItsStagedFile) {
  const std::string bytes = RandomBytes(1000, 3);
  const StagedBlob first = Store(bytes);
  const StagedBlob second = Stage(bytes);

  EXPECT_THAT(store_->Put(second.sha256, second.path, second.size), IsOk());

  EXPECT_FALSE(FileExists(second.path));
  EXPECT_THAT(store_->Stat(first.sha256), IsOkAndHolds(Optional(bytes.size())));
  EXPECT_THAT(store_->Read(first.sha256, 0, kToTheEnd), IsOkAndHolds(bytes));
}

// The stored blob is kept, not rewritten: a second Put of the name with other
// bytes of the same size (which a real caller never does) leaves the first.
TEST_P(BlobStoreTest, SecondPutKeepsTheStoredBlobInsteadOfWritingAgain) {
  const std::string bytes = RandomBytes(1000, 4);
  const StagedBlob first = Store(bytes);
  const StagedBlob impostor = Stage(RandomBytes(1000, 5));

  EXPECT_THAT(store_->Put(first.sha256, impostor.path, impostor.size), IsOk());

  EXPECT_FALSE(FileExists(impostor.path));
  EXPECT_THAT(store_->Read(first.sha256, 0, kToTheEnd), IsOkAndHolds(bytes));
}

TEST_P(BlobStoreTest, ReadsAnyRangeAndFewerBytesAtTheEnd) {
  const std::string bytes = RandomBytes(1000, 6);
  const StagedBlob staged = Store(bytes);

  struct Case {
    uint64_t offset;
    uint64_t length;
  };
  for (const Case& c :
       {Case{0, 1}, Case{10, 100}, Case{999, 1}, Case{990, 100}, Case{0, 1000}, Case{0, 1001},
        Case{500, kToTheEnd}, Case{1000, 5}, Case{1000, 0}, Case{500, 0}}) {
    EXPECT_THAT(store_->Read(staged.sha256, c.offset, c.length),
                IsOkAndHolds(bytes.substr(c.offset, c.length)))
        << "offset " << c.offset << " length " << c.length;
  }
}

TEST_P(BlobStoreTest, ReadPastTheEndIsOutOfRange) {
  const StagedBlob staged = Store(RandomBytes(1000, 7));

  EXPECT_THAT(store_->Read(staged.sha256, 1001, 1), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(store_->Read(staged.sha256, 1001, 0), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(store_->Read(staged.sha256, kToTheEnd, kToTheEnd),
              StatusIs(absl::StatusCode::kOutOfRange));
}

TEST_P(BlobStoreTest, MissingBlobIsNulloptAndNotFound) {
  const std::string missing = testing::Sha256Hex("never stored");

  EXPECT_THAT(store_->Stat(missing), IsOkAndHolds(std::nullopt));
  EXPECT_THAT(store_->Read(missing, 0, 10), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_->Read(missing, 0, 0), StatusIs(absl::StatusCode::kNotFound));
}

TEST_P(BlobStoreTest, RejectsNamesThatAreNotLowercaseHexSha256) {
  const StagedBlob staged = Stage("some bytes");
  const std::string valid = staged.sha256;
  for (const std::string& bad :
       {std::string(), valid.substr(1), valid + "0", absl::AsciiStrToUpper(valid),
        std::string(64, 'g'), "../" + valid.substr(3), valid.substr(0, 2) + "/../../etc/passwd",
        std::string("ab\0", 3) + valid.substr(3)}) {
    EXPECT_THAT(store_->Put(bad, staged.path, staged.size),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << bad;
    EXPECT_THAT(store_->Stat(bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
    EXPECT_THAT(store_->Read(bad, 0, 1), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
  EXPECT_TRUE(FileExists(staged.path)) << "a failed Put leaves the staged file";
}

TEST_P(BlobStoreTest, StagedFileOfAnotherSizeIsRefusedAndKept) {
  const StagedBlob staged = Stage(RandomBytes(100, 8));

  EXPECT_THAT(store_->Put(staged.sha256, staged.path, staged.size + 1),
              StatusIs(absl::StatusCode::kFailedPrecondition));

  EXPECT_TRUE(FileExists(staged.path));
  EXPECT_THAT(store_->Stat(staged.sha256), IsOkAndHolds(std::nullopt));
}

TEST_P(BlobStoreTest, MissingStagedFileIsNotFound) {
  const std::string sha256 = testing::Sha256Hex("not staged");

  EXPECT_THAT(store_->Put(sha256, absl::StrCat(dir_->path(), "/absent"), 10),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_->Stat(sha256), IsOkAndHolds(std::nullopt));
}

TEST_P(BlobStoreTest, ConcurrentPutsAndReadsOfManyBlobs) {
  constexpr int kThreads = 4;
  constexpr int kBlobsPerThread = 5;
  std::vector<std::string> contents;
  std::vector<StagedBlob> staged;
  for (int i = 0; i < kThreads * kBlobsPerThread; ++i) {
    contents.push_back(RandomBytes(20'000 + i, 100 + i));
    staged.push_back(Stage(contents.back()));
  }
  absl::Mutex mu;
  std::vector<std::string> failures;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t * kBlobsPerThread; i < (t + 1) * kBlobsPerThread; ++i) {
        const absl::Status put = store_->Put(staged[i].sha256, staged[i].path, staged[i].size);
        absl::StatusOr<std::string> read = store_->Read(staged[i].sha256, 0, kToTheEnd);
        if (!put.ok() || !read.ok() || *read != contents[i]) {
          absl::MutexLock lock(&mu);
          failures.push_back(
              absl::StrCat("blob ", i, ": ", put.ToString(), " / ", read.status().ToString()));
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_THAT(failures, IsEmpty());
}

INSTANTIATE_TEST_SUITE_P(Backends, BlobStoreTest, ::testing::Values(Backend::kLocal, Backend::kS3),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return BackendName(info.param);
                         });

}  // namespace
}  // namespace wecom::media
