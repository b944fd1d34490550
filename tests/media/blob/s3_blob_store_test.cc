// S3BlobStore beyond the BlobStore contract, on s3rver: object keys,
// credentials that S3 refuses, a server that is down, and uploads streamed
// from disk.
#include "services/media/blob/s3_blob_store.h"

#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/http/http_client.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/media/blob/blob_test_files.h"
#include "tests/support/refused_port.h"
#include "tests/support/s3_server.h"
#include "tests/support/temp_dir.h"

namespace wecom::media {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Optional;
using ::wecom::media::testing::FileExists;
using ::wecom::media::testing::RandomBytes;
using ::wecom::media::testing::S3OptionsFor;
using ::wecom::media::testing::StagedBlob;
using ::wecom::testing::IsOk;
using ::wecom::testing::IsOkAndHolds;
using ::wecom::testing::S3Server;
using ::wecom::testing::StatusIs;
using ::wecom::testing::TempDir;

// The process's peak resident set, from /proc/self/status; 0 when unknown.
uint64_t PeakRssBytes() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    absl::string_view value = line;
    uint64_t kib = 0;
    if (absl::ConsumePrefix(&value, "VmHWM:") &&
        absl::SimpleAtoi(absl::StripSuffix(absl::StripAsciiWhitespace(value), " kB"), &kib)) {
      return kib * 1024;
    }
  }
  return 0;
}

// Makes the peak resident set start again from the current one (Linux 4.0+).
bool ResetPeakRss() {
  std::ofstream clear_refs("/proc/self/clear_refs");
  clear_refs << "5";
  clear_refs.close();
  return clear_refs.good();
}

class S3BlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TempDir> dir = TempDir::Create("s3-blob-store-test-");
    ASSERT_THAT(dir, IsOk());
    dir_ = *std::move(dir);
    absl::StatusOr<std::unique_ptr<S3Server>> server = S3Server::Start();
    ASSERT_THAT(server, IsOk());
    server_ = *std::move(server);
  }

  std::unique_ptr<S3BlobStore> NewStore(S3BlobStoreOptions options) {
    absl::StatusOr<std::unique_ptr<S3BlobStore>> store = S3BlobStore::Create(std::move(options));
    EXPECT_THAT(store, IsOk());
    return store.ok() ? *std::move(store) : nullptr;
  }

  StagedBlob Stage(absl::string_view bytes) {
    absl::StatusOr<StagedBlob> staged =
        testing::WriteStagedBlob(absl::StrCat(dir_->path(), "/staged"), bytes);
    EXPECT_THAT(staged, IsOk());
    return staged.ok() ? *std::move(staged) : StagedBlob();
  }

  std::optional<TempDir> dir_;
  std::unique_ptr<S3Server> server_;
};

TEST_F(S3BlobStoreTest, StoresEachBlobAtThePrefixedShardedKey) {
  std::unique_ptr<S3BlobStore> store = NewStore(S3OptionsFor(*server_));
  ASSERT_NE(store, nullptr);
  const std::string bytes = RandomBytes(300, 1);
  const StagedBlob staged = Stage(bytes);

  ASSERT_THAT(store->Put(staged.sha256, staged.path, staged.size), IsOk());

  const std::string key = absl::StrCat("media/", staged.sha256.substr(0, 2), "/", staged.sha256);
  EXPECT_EQ(store->ObjectKey(staged.sha256), key);
  // Fetched by hand, signed as any S3 client would.
  absl::StatusOr<std::unique_ptr<CurlHttpClient>> http = CurlHttpClient::Create({});
  ASSERT_THAT(http, IsOk());
  HttpRequest get;
  get.url = absl::StrCat(server_->endpoint(), "/", server_->bucket(), "/", key);
  get.headers = {{"x-amz-content-sha256", testing::Sha256Hex("")}};
  get.aws_sigv4 = AwsSigV4Signing{.region = "us-east-1",
                                  .service = "s3",
                                  .access_key_id = S3Server::kAccessKeyId,
                                  .secret_access_key = Secret(S3Server::kSecretAccessKey)};
  absl::StatusOr<HttpResponse> response = (*http)->Send(get);
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->status_code, 200);
  EXPECT_TRUE(response->body == bytes);
}

TEST_F(S3BlobStoreTest, WrongSecretKeyIsPermissionDeniedWithoutTheKeys) {
  static constexpr char kWrongSecret[] = "wrong-secret-4f1c9a";
  S3BlobStoreOptions options = S3OptionsFor(*server_);
  options.secret_access_key = Secret(kWrongSecret);
  std::unique_ptr<S3BlobStore> store = NewStore(std::move(options));
  ASSERT_NE(store, nullptr);
  const StagedBlob staged = Stage(RandomBytes(300, 2));
  const auto denied_without_keys = [](absl::string_view operation) {
    return StatusIs(
        absl::StatusCode::kPermissionDenied,
        AllOf(HasSubstr(absl::StrCat("S3 ", operation, " media-test/media/")), HasSubstr("403"),
              Not(HasSubstr(kWrongSecret)), Not(HasSubstr(S3Server::kAccessKeyId))));
  };

  EXPECT_THAT(store->Put(staged.sha256, staged.path, staged.size), denied_without_keys("HEAD"));
  EXPECT_THAT(store->Stat(staged.sha256), denied_without_keys("HEAD"));
  // A GET's answer has a body, so its S3 error code.
  EXPECT_THAT(store->Read(staged.sha256, 0, 10),
              AllOf(denied_without_keys("GET"), StatusIs(absl::StatusCode::kPermissionDenied,
                                                         HasSubstr("403 SignatureDoesNotMatch"))));
  EXPECT_TRUE(FileExists(staged.path));
}

TEST_F(S3BlobStoreTest, UnknownAccessKeyIsPermissionDenied) {
  S3BlobStoreOptions options = S3OptionsFor(*server_);
  options.access_key_id = "NOSUCHKEY";
  std::unique_ptr<S3BlobStore> store = NewStore(std::move(options));
  ASSERT_NE(store, nullptr);

  EXPECT_THAT(store->Read(testing::Sha256Hex("x"), 0, 10),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("InvalidAccessKeyId")));
}

TEST_F(S3BlobStoreTest, MissingBucketIsFailedPrecondition) {
  S3BlobStoreOptions options = S3OptionsFor(*server_);
  options.bucket = "no-such-bucket";
  std::unique_ptr<S3BlobStore> store = NewStore(std::move(options));
  ASSERT_NE(store, nullptr);
  const StagedBlob staged = Stage(RandomBytes(300, 4));

  EXPECT_THAT(
      store->Put(staged.sha256, staged.path, staged.size),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("S3 PUT no-such-bucket/media/")));
  EXPECT_THAT(store->Read(staged.sha256, 0, 10),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("404 NoSuchBucket")));
  EXPECT_TRUE(FileExists(staged.path));
}

TEST_F(S3BlobStoreTest, ServerDownIsUnavailable) {
  absl::StatusOr<wecom::testing::RefusedPort> refused = wecom::testing::RefusedPort::Reserve();
  ASSERT_THAT(refused, IsOk());
  S3BlobStoreOptions options = S3OptionsFor(*server_);
  options.endpoint = absl::StrCat("http://127.0.0.1:", refused->port());
  std::unique_ptr<S3BlobStore> store = NewStore(std::move(options));
  ASSERT_NE(store, nullptr);
  const StagedBlob staged = Stage(RandomBytes(300, 3));

  EXPECT_THAT(store->Put(staged.sha256, staged.path, staged.size),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("S3 HEAD media-test/media/")));
  EXPECT_THAT(store->Stat(staged.sha256), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(store->Read(staged.sha256, 0, 10), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_TRUE(FileExists(staged.path));
}

// The upload is streamed from disk: holding the file in memory would raise
// the peak resident set by its size.
TEST_F(S3BlobStoreTest, LargeUploadDoesNotHoldTheFileInMemory) {
  constexpr uint64_t kBlocks = 64;
  constexpr size_t kBlockSize = 1 << 20;
  constexpr uint32_t kSeed = 1000;
  std::unique_ptr<S3BlobStore> store = NewStore(S3OptionsFor(*server_));
  ASSERT_NE(store, nullptr);
  absl::StatusOr<StagedBlob> staged = testing::WriteLargeStagedBlob(
      absl::StrCat(dir_->path(), "/large"), kBlocks, kBlockSize, kSeed);
  ASSERT_THAT(staged, IsOk());
  const bool reset = ResetPeakRss();
  const uint64_t peak_before = PeakRssBytes();
  ASSERT_GT(peak_before, 0u);

  ASSERT_THAT(store->Put(staged->sha256, staged->path, staged->size), IsOk());

  const uint64_t growth = PeakRssBytes() - peak_before;
  EXPECT_LT(growth, kBlocks * kBlockSize / 4)
      << "peak RSS grew by " << growth << " bytes (peak reset: " << reset << ")";
  EXPECT_THAT(store->Stat(staged->sha256), IsOkAndHolds(Optional(kBlocks * kBlockSize)));
  for (const uint64_t block : {uint64_t{0}, kBlocks / 2, kBlocks - 1}) {
    absl::StatusOr<std::string> read = store->Read(staged->sha256, block * kBlockSize, kBlockSize);
    ASSERT_THAT(read, IsOk());
    EXPECT_TRUE(*read == RandomBytes(kBlockSize, kSeed + block)) << "block " << block;
  }
}

TEST(S3BlobStoreCreateTest, RefusesOptionsThatCannotWorkWithoutShowingTheSecret) {
  const auto valid = [] {
    S3BlobStoreOptions options;
    options.endpoint = "http://127.0.0.1:9000";
    options.bucket = "media";
    options.access_key_id = "AKID";
    options.secret_access_key = Secret("very-secret-value");
    return options;
  };
  ASSERT_THAT(S3BlobStore::Create(valid()), IsOk());
  std::vector<std::function<void(S3BlobStoreOptions&)>> breakages = {
      [](S3BlobStoreOptions& o) { o.endpoint = "ftp://127.0.0.1:9000"; },
      [](S3BlobStoreOptions& o) { o.endpoint = "http://user:pass@127.0.0.1:9000"; },
      [](S3BlobStoreOptions& o) { o.endpoint = "http://127.0.0.1:9000/path"; },
      [](S3BlobStoreOptions& o) { o.bucket = "Media"; },
      [](S3BlobStoreOptions& o) { o.bucket = "m"; },
      [](S3BlobStoreOptions& o) { o.region = ""; },
      [](S3BlobStoreOptions& o) { o.key_prefix = "/media/"; },
      [](S3BlobStoreOptions& o) { o.key_prefix = "a b/"; },
      [](S3BlobStoreOptions& o) { o.key_prefix = "media//"; },
      [](S3BlobStoreOptions& o) { o.access_key_id = ""; },
      [](S3BlobStoreOptions& o) { o.secret_access_key = Secret(); },
      [](S3BlobStoreOptions& o) { o.request_timeout = absl::ZeroDuration(); },
      [](S3BlobStoreOptions& o) { o.min_upload_bytes_per_second = 0; },
  };
  for (size_t i = 0; i < breakages.size(); ++i) {
    S3BlobStoreOptions options = valid();
    breakages[i](options);
    EXPECT_THAT(S3BlobStore::Create(std::move(options)),
                StatusIs(absl::StatusCode::kInvalidArgument, Not(HasSubstr("very-secret-value"))))
        << "breakage " << i;
  }
}

}  // namespace
}  // namespace wecom::media
