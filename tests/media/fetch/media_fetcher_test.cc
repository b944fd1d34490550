// MediaFetcher on the Finance SDK emulator, loaded as the archive loads the
// real SDK: every kind of media arrives byte-identical to the corpus, and
// every way a fetch goes wrong (corrupt pieces, a wrong size, 10006, transient
// errors, rate limits, cancellation, a misbehaving source, a failing store)
// ends with its reason and no staged file left behind. Backoff delays are zero
// or on a FakeClock: nothing sleeps for real. Blobs go to a LocalBlobStore.
#include "services/media/fetch/media_fetcher.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "common/status/vendor_error.h"
#include "common/testing/status_matchers.h"
#include "common/time/clock.h"
#include "emulators/finance-sdk/corpus.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/archive/sdk/finance_sdk.h"
#include "services/media/blob/local_blob_store.h"
#include "tests/emulators/emulator_test_world.h"
#include "tests/media/fetch/sdk_chunk_source.h"
#include "tests/support/temp_dir.h"

namespace wecom::media {
namespace {

using ::testing::_;
using ::testing::AllOf;
using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::IsSupersetOf;
using ::testing::Pair;
using ::testing::SizeIs;
using ::wecom::emulator::EmulatorTestWorld;
using ::wecom::emulator::kCorruptCorp;
using ::wecom::emulator::kFlakyCorp;
using ::wecom::emulator::kLimitedCorp;
using ::wecom::emulator::kMainCorp;
using ::wecom::emulator::MediaFile;
using ::wecom::testing::IsOk;
using ::wecom::testing::IsOkAndHolds;
using ::wecom::testing::TempDir;
using Outcome = FetchResult::Outcome;

constexpr uint64_t kPieceSize = 524288;

// Retries without delay: the fake clock never has to move.
BackoffPolicy NoDelay(int max_attempts) {
  return {.initial = absl::ZeroDuration(),
          .max = absl::ZeroDuration(),
          .multiplier = 1.0,
          .max_attempts = max_attempts};
}

// The emulator's libWeWorkFinanceSdk_C.so through archive_sdk, once per process.
archive::FinanceSdk* EmulatorSdk() {
  static archive::FinanceSdk* const sdk = [] {
    EmulatorTestWorld::Get();  // writes the config and points the emulator at it
    absl::StatusOr<std::unique_ptr<archive::FinanceSdk>> loaded =
        archive::LoadFinanceSdk(FINANCE_SDK_EMULATOR_PATH);
    if (!loaded.ok()) {
      std::fprintf(stderr, "cannot load the SDK emulator: %s\n",
                   loaded.status().ToString().c_str());
      std::abort();
    }
    return loaded->release();
  }();
  return sdk;
}

// A media object of a corp, with the msgtype of the message that carries it.
struct CorpusMedia {
  std::string msgtype;
  MediaFile file;
};

// Every media object of `corpid` that the emulator serves (not one of its
// failing_sdkfileids), in message order.
std::vector<CorpusMedia> ServedMedia(absl::string_view corpid) {
  const EmulatorTestWorld& world = EmulatorTestWorld::Get();
  const std::vector<std::string>& failing = world.corp(corpid).faults.failing_sdkfileids;
  const emulator::Corpus& corpus = world.corpus(corpid);
  std::vector<CorpusMedia> media;
  for (size_t i = 0; i < corpus.base_size(); ++i) {
    std::vector<MediaFile> files = corpus.MediaOf(i);
    if (files.empty()) continue;
    const std::string msgtype = corpus.Message(i)->msgtype;
    for (MediaFile& file : files) {
      if (std::find(failing.begin(), failing.end(), file.sdkfileid) != failing.end()) continue;
      media.push_back({msgtype, std::move(file)});
    }
  }
  return media;
}

// The first served media object of `corpid` of at least `min_size` bytes.
MediaFile MediaOfAtLeast(absl::string_view corpid, uint64_t min_size) {
  for (CorpusMedia& media : ServedMedia(corpid)) {
    if (media.file.size >= min_size) return std::move(media.file);
  }
  ADD_FAILURE() << "no media of " << min_size << " bytes in " << corpid;
  return {};
}

FetchTarget TargetOf(absl::string_view corpid, const MediaFile& file) {
  const absl::StatusOr<std::string> md5 = EmulatorTestWorld::Get().corpus(corpid).Md5Hex(file);
  EXPECT_THAT(md5, IsOk());
  return {std::string(corpid), file.sdkfileid, md5.value_or(""), file.size};
}

std::vector<std::string> FileNames(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    names.push_back(entry.path().filename().string());
  }
  EXPECT_FALSE(error) << error.message();
  return names;
}

// The real LocalBlobStore, whose Put can be made to fail.
class TestBlobStore final : public BlobStore {
 public:
  explicit TestBlobStore(std::unique_ptr<LocalBlobStore> local) : local_(std::move(local)) {}

  absl::Status Put(const std::string& sha256, const std::string& staged_path,
                   uint64_t size) override {
    if (!put_error_.ok()) return put_error_;
    return local_->Put(sha256, staged_path, size);
  }
  absl::StatusOr<std::optional<uint64_t>> Stat(const std::string& sha256) override {
    return local_->Stat(sha256);
  }
  absl::StatusOr<std::string> Read(const std::string& sha256, uint64_t offset,
                                   uint64_t length) override {
    return local_->Read(sha256, offset, length);
  }

  // The names of every file under the store's root.
  std::vector<std::string> Files() const {
    std::vector<std::string> names;
    std::error_code error;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(local_->root(), error)) {
      if (entry.is_regular_file()) names.push_back(entry.path().filename().string());
    }
    EXPECT_FALSE(error) << error.message();
    return names;
  }
  void FailPuts(absl::Status error) { put_error_ = std::move(error); }

 private:
  const std::unique_ptr<LocalBlobStore> local_;
  absl::Status put_error_;
};

// Counts what the fetcher reports.
class RecordingObserver final : public FetchObserver {
 public:
  struct Counts {
    int pieces = 0;
    uint64_t bytes = 0;
    int md5_mismatches = 0;
    int size_mismatches = 0;
    // By label, e.g. {"transient": 3}.
    std::map<std::string, int> retries;
    std::vector<Outcome> finished;
    // The sdkfileids the hooks were told of.
    std::set<std::string> sdkfileids;
  };

  void OnPiece(const FetchTarget& target, uint64_t bytes) override {
    absl::MutexLock lock(&mu_);
    ++counts_.pieces;
    counts_.bytes += bytes;
    counts_.sdkfileids.insert(target.sdkfileid);
  }
  void OnMd5Mismatch(const FetchTarget& target) override {
    absl::MutexLock lock(&mu_);
    ++counts_.md5_mismatches;
  }
  void OnSizeMismatch(const FetchTarget& target) override {
    absl::MutexLock lock(&mu_);
    ++counts_.size_mismatches;
  }
  void OnRetry(const FetchTarget& target, RetryReason reason) override {
    absl::MutexLock lock(&mu_);
    ++counts_.retries[std::string(RetryReasonLabel(reason))];
  }
  void OnFinished(const FetchTarget& target, const FetchResult& result,
                  absl::Duration elapsed) override {
    absl::MutexLock lock(&mu_);
    counts_.finished.push_back(result.outcome);
    counts_.sdkfileids.insert(target.sdkfileid);
  }

  Counts counts() const {
    absl::MutexLock lock(&mu_);
    return counts_;
  }

 private:
  mutable absl::Mutex mu_;
  Counts counts_ ABSL_GUARDED_BY(mu_);
};

// Hands every call to `intercept`, which may pass it on to the real source
// (changed or not), change its answer, or answer itself. Calls count from 0.
class InterceptedSource final : public MediaChunkSource {
 public:
  using Intercept = std::function<absl::StatusOr<MediaChunk>(int call, const std::string& sdkfileid,
                                                             const std::string& indexbuf)>;

  explicit InterceptedSource(Intercept intercept) : intercept_(std::move(intercept)) {}

  absl::StatusOr<MediaChunk> GetChunk(const std::string& corp_id, const std::string& sdkfileid,
                                      const std::string& indexbuf) override {
    int call;
    {
      absl::MutexLock lock(&mu_);
      call = calls_++;
    }
    return intercept_(call, sdkfileid, indexbuf);
  }

  int calls() const {
    absl::MutexLock lock(&mu_);
    return calls_;
  }

 private:
  const Intercept intercept_;
  mutable absl::Mutex mu_;
  int calls_ ABSL_GUARDED_BY(mu_) = 0;
};

class MediaFetcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TempDir> staging = TempDir::Create("media_fetcher_staging.");
    absl::StatusOr<TempDir> blobs = TempDir::Create("media_fetcher_blobs.");
    ASSERT_THAT(staging, IsOk());
    ASSERT_THAT(blobs, IsOk());
    staging_.emplace(*std::move(staging));
    blobs_.emplace(*std::move(blobs));
    absl::StatusOr<std::unique_ptr<LocalBlobStore>> local =
        LocalBlobStore::Open(blobs_->path() + "/blobs");
    ASSERT_THAT(local, IsOk());
    store_ = std::make_unique<TestBlobStore>(*std::move(local));
  }

  MediaFetcherOptions Options() const {
    MediaFetcherOptions options;
    options.staging_dir = staging_->path();
    options.max_attempts = 3;
    options.piece_retry = NoDelay(8);
    options.refetch_backoff = NoDelay(0);
    return options;
  }

  // The emulated corp's media through one SDK session, made on first use.
  MediaChunkSource* Corp(absl::string_view corpid) {
    std::unique_ptr<SdkChunkSource>& source = sources_[std::string(corpid)];
    if (source == nullptr) {
      absl::StatusOr<std::unique_ptr<SdkChunkSource>> created = SdkChunkSource::Create(
          EmulatorSdk(), std::string(corpid), EmulatorTestWorld::Get().secret(corpid));
      EXPECT_THAT(created, IsOk());
      if (created.ok()) source = *std::move(created);
    }
    return source.get();
  }

  // `intercept` in front of the corp's source; Forward() calls the real one.
  std::unique_ptr<InterceptedSource> Intercepted(absl::string_view corpid,
                                                 InterceptedSource::Intercept intercept) {
    Corp(corpid);  // made here, not inside a fetch
    return std::make_unique<InterceptedSource>(std::move(intercept));
  }
  absl::StatusOr<MediaChunk> Forward(absl::string_view corpid, const std::string& sdkfileid,
                                     const std::string& indexbuf) {
    return Corp(corpid)->GetChunk(std::string(corpid), sdkfileid, indexbuf);
  }

  FetchResult Fetch(MediaChunkSource* source, const FetchTarget& target,
                    CancelFlag* cancel = nullptr) {
    return FetchWithOptions(source, target, Options(), cancel);
  }
  FetchResult FetchWithOptions(MediaChunkSource* source, const FetchTarget& target,
                               const MediaFetcherOptions& options, CancelFlag* cancel = nullptr) {
    MediaFetcher fetcher(source, store_.get(), &clock_, options, &observer_);
    return fetcher.Fetch(target, cancel);
  }

  // The stored blob is the corpus file, byte for byte.
  void ExpectStoredAsInCorpus(const FetchResult& result, absl::string_view corpid,
                              const MediaFile& file) {
    ASSERT_EQ(result.outcome, Outcome::kDone) << result.error;
    EXPECT_EQ(result.size, file.size);
    const absl::StatusOr<std::string> expected =
        EmulatorTestWorld::Get().corpus(corpid).MediaBytes(file, 0, file.size);
    ASSERT_THAT(expected, IsOk());
    const absl::StatusOr<std::string> stored = store_->Read(result.sha256, 0, file.size + 1);
    ASSERT_THAT(stored, IsOk());
    // Compared by length and equality, not printed: files run to megabytes.
    EXPECT_EQ(stored->size(), expected->size());
    EXPECT_TRUE(*stored == *expected) << file.kind << " " << file.sdkfileid << " differs";
  }

  std::vector<std::string> StagedFiles() const { return FileNames(staging_->path()); }

  FakeClock clock_;
  RecordingObserver observer_;
  std::optional<TempDir> staging_;
  std::optional<TempDir> blobs_;
  std::unique_ptr<TestBlobStore> store_;
  std::map<std::string, std::unique_ptr<SdkChunkSource>> sources_;
};

TEST_F(MediaFetcherTest, EveryMediaKindArrivesByteIdentical) {
  // The first object of each (carrying msgtype, kind): mixed and chatrecord
  // items as well as the plain media messages.
  std::set<std::pair<std::string, std::string>> seen;
  std::set<std::string> msgtypes;
  for (const CorpusMedia& media : ServedMedia(kMainCorp)) {
    if (!seen.emplace(media.msgtype, media.file.kind).second) continue;
    msgtypes.insert(media.msgtype);
    SCOPED_TRACE(
        absl::StrCat(media.msgtype, "/", media.file.kind, " of ", media.file.size, " bytes"));
    const FetchTarget target = TargetOf(kMainCorp, media.file);
    const FetchResult result = Fetch(Corp(kMainCorp), target);
    ExpectStoredAsInCorpus(result, kMainCorp, media.file);
    EXPECT_EQ(result.md5, target.expected_md5);
    EXPECT_EQ(result.attempts, 1u);
    EXPECT_THAT(store_->Stat(result.sha256),
                IsOkAndHolds(std::optional<uint64_t>(media.file.size)));
  }
  EXPECT_THAT(msgtypes, IsSupersetOf({"image", "voice", "video", "file", "emotion", "mixed",
                                      "chatrecord", "meeting_voice_call", "voip_doc_share"}));
  EXPECT_THAT(StagedFiles(), IsEmpty());
  EXPECT_THAT(observer_.counts().retries, IsEmpty());
}

TEST_F(MediaFetcherTest, MultiPieceFileIsChainedThroughOutindexbuf) {
  const MediaFile file = MediaOfAtLeast(kMainCorp, 2 * kPieceSize + 1);
  std::vector<std::string> indexbufs;
  auto source = Intercepted(kMainCorp, [&](int, const std::string& id, const std::string& index) {
    indexbufs.push_back(index);
    return Forward(kMainCorp, id, index);
  });

  const FetchResult result = Fetch(source.get(), TargetOf(kMainCorp, file));

  ExpectStoredAsInCorpus(result, kMainCorp, file);
  const uint64_t pieces = (file.size + kPieceSize - 1) / kPieceSize;
  ASSERT_THAT(indexbufs, SizeIs(pieces));
  EXPECT_EQ(indexbufs[0], "");
  EXPECT_EQ(indexbufs[1], "Range:bytes=524288-1048575");
  EXPECT_EQ(observer_.counts().pieces, static_cast<int>(pieces));
  EXPECT_EQ(observer_.counts().bytes, file.size);
  EXPECT_THAT(observer_.counts().finished, ElementsAre(Outcome::kDone));
  EXPECT_THAT(observer_.counts().sdkfileids, ElementsAre(file.sdkfileid));
}

TEST_F(MediaFetcherTest, CorruptFirstFetchIsRefetchedFromTheStart) {
  // media_corrupt_rate 1: every piece's first fetch comes back corrupted.
  const MediaFile file = MediaOfAtLeast(kCorruptCorp, kPieceSize + 1);

  const FetchResult result = Fetch(Corp(kCorruptCorp), TargetOf(kCorruptCorp, file));

  ExpectStoredAsInCorpus(result, kCorruptCorp, file);
  EXPECT_EQ(result.attempts, 2u);
  EXPECT_EQ(observer_.counts().md5_mismatches, 1);
  EXPECT_EQ(observer_.counts().retries, (std::map<std::string, int>{{"md5_mismatch", 1}}));
  EXPECT_THAT(StagedFiles(), IsEmpty());
}

TEST_F(MediaFetcherTest, CorruptOnEveryAttemptFailsWithMd5Mismatch) {
  const MediaFile file = MediaOfAtLeast(kMainCorp, kPieceSize + 1);
  auto source = Intercepted(kMainCorp, [&](int, const std::string& id, const std::string& index) {
    absl::StatusOr<MediaChunk> chunk = Forward(kMainCorp, id, index);
    if (chunk.ok()) chunk->data[0] ^= 0x01;
    return chunk;
  });
  const FetchTarget target = TargetOf(kMainCorp, file);

  const FetchResult result = Fetch(source.get(), target);

  EXPECT_EQ(result.outcome, Outcome::kFailed);
  EXPECT_EQ(result.failure, v1::FAILURE_REASON_MD5_MISMATCH);
  EXPECT_EQ(result.attempts, 3u);
  EXPECT_THAT(result.error, AllOf(HasSubstr(file.sdkfileid.substr(file.sdkfileid.size() - 12)),
                                  HasSubstr(absl::StrCat("expected ", target.expected_md5)),
                                  HasSubstr("got "), HasSubstr("attempt 3 of 3")));
  EXPECT_FALSE(result.vendor_error.has_value());
  EXPECT_EQ(observer_.counts().md5_mismatches, 3);
  EXPECT_EQ(observer_.counts().retries, (std::map<std::string, int>{{"md5_mismatch", 2}}));
  EXPECT_THAT(StagedFiles(), IsEmpty());
  EXPECT_THAT(store_->Files(), IsEmpty());
}

TEST_F(MediaFetcherTest, EmptyMd5IsAcceptedWhenTheSizeMatches) {
  const MediaFile file = MediaOfAtLeast(kMainCorp, 1);
  FetchTarget target = TargetOf(kMainCorp, file);
  const std::string md5 = std::exchange(target.expected_md5, "");

  const FetchResult result = Fetch(Corp(kMainCorp), target);

  ExpectStoredAsInCorpus(result, kMainCorp, file);
  EXPECT_EQ(result.md5, md5);
}

TEST_F(MediaFetcherTest, Md5IsComparedIgnoringCase) {
  const MediaFile file = MediaOfAtLeast(kMainCorp, 1);
  FetchTarget target = TargetOf(kMainCorp, file);
  target.expected_md5 = absl::AsciiStrToUpper(target.expected_md5);

  const FetchResult result = Fetch(Corp(kMainCorp), target);

  ExpectStoredAsInCorpus(result, kMainCorp, file);
  EXPECT_EQ(result.md5, absl::AsciiStrToLower(target.expected_md5));
}

TEST_F(MediaFetcherTest, WrongExpectedSizeFailsWithSizeMismatch) {
  const MediaFile file = MediaOfAtLeast(kMainCorp, 1);
  FetchTarget target = TargetOf(kMainCorp, file);
  target.expected_md5.clear();
  target.expected_size = file.size + 1;

  const FetchResult result = Fetch(Corp(kMainCorp), target);

  EXPECT_EQ(result.outcome, Outcome::kFailed);
  EXPECT_EQ(result.failure, v1::FAILURE_REASON_SIZE_MISMATCH);
  EXPECT_EQ(result.attempts, 3u);
  EXPECT_THAT(result.error,
              HasSubstr(absl::StrCat("expected ", file.size + 1, " bytes, got ", file.size)));
  EXPECT_EQ(observer_.counts().size_mismatches, 3);
  EXPECT_EQ(observer_.counts().retries, (std::map<std::string, int>{{"size_mismatch", 2}}));
  EXPECT_THAT(StagedFiles(), IsEmpty());
  EXPECT_THAT(store_->Files(), IsEmpty());
}

TEST_F(MediaFetcherTest, DecryptFailure10006FailsAtOnceWithTheVendorError) {
  const std::string failing = EmulatorTestWorld::Get().corp(kMainCorp).faults.failing_sdkfileids[0];

  const FetchResult result = Fetch(Corp(kMainCorp), {kMainCorp, failing, "", 0});

  EXPECT_EQ(result.outcome, Outcome::kFailed);
  EXPECT_EQ(result.failure, v1::FAILURE_REASON_VENDOR_ERROR);
  EXPECT_EQ(result.attempts, 1u);
  ASSERT_TRUE(result.vendor_error.has_value());
  EXPECT_EQ(result.vendor_error->code(), 10006);
  EXPECT_THAT(result.error, HasSubstr("10006"));
  EXPECT_THAT(observer_.counts().retries, IsEmpty());
  EXPECT_THAT(StagedFiles(), IsEmpty());
  EXPECT_THAT(store_->Files(), IsEmpty());
}

TEST_F(MediaFetcherTest, UnknownSdkfileid10005FailsAtOnce) {
  const FetchResult result = Fetch(Corp(kMainCorp), {kMainCorp, "CtYBnotarealfileid", "", 0});

  EXPECT_EQ(result.failure, v1::FAILURE_REASON_VENDOR_ERROR);
  ASSERT_TRUE(result.vendor_error.has_value());
  EXPECT_EQ(result.vendor_error->code(), 10005);
  EXPECT_EQ(result.attempts, 1u);
}

TEST_F(MediaFetcherTest, TransientPieceErrorsRetryTheSamePiece) {
  const MediaFile file = MediaOfAtLeast(kMainCorp, kPieceSize + 1);
  // Each piece fails twice (10001, then 10003) before it is served.
  std::map<std::string, int> tries;
  auto source = Intercepted(kMainCorp, [&](int, const std::string& id, const std::string& index) {
    switch (tries[index]++) {
      case 0:
        return absl::StatusOr<MediaChunk>(archive::SdkErrorStatus(10001, "GetMediaData"));
      case 1:
        return absl::StatusOr<MediaChunk>(archive::SdkErrorStatus(10003, "GetMediaData"));
      default:
        return Forward(kMainCorp, id, index);
    }
  });

  const FetchResult result = Fetch(source.get(), TargetOf(kMainCorp, file));

  ExpectStoredAsInCorpus(result, kMainCorp, file);
  EXPECT_EQ(result.attempts, 1u);
  const int pieces = static_cast<int>((file.size + kPieceSize - 1) / kPieceSize);
  EXPECT_THAT(tries, Each(Pair(_, 3)));
  EXPECT_EQ(observer_.counts().retries, (std::map<std::string, int>{{"transient", 2 * pieces}}));
}

TEST_F(MediaFetcherTest, ArchiveUnavailableOrLateIsTransient) {
  const MediaFile file = MediaOfAtLeast(kMainCorp, 1);
  // No vendor payload: the archive service itself was down or slow.
  auto source = Intercepted(
      kMainCorp,
      [&](int call, const std::string& id, const std::string& index) -> absl::StatusOr<MediaChunk> {
        if (call == 0) return absl::UnavailableError("connection refused");
        if (call == 1) return absl::DeadlineExceededError("deadline exceeded");
        return Forward(kMainCorp, id, index);
      });

  const FetchResult result = Fetch(source.get(), TargetOf(kMainCorp, file));

  ExpectStoredAsInCorpus(result, kMainCorp, file);
  EXPECT_EQ(observer_.counts().retries, (std::map<std::string, int>{{"transient", 2}}));
}

TEST_F(MediaFetcherTest, TransientErrorsForeverExhaustTheRetries) {
  // transient_error_rate 1: every call fails with 10001, 10002 or 10003.
  const MediaFile file = MediaOfAtLeast(kFlakyCorp, 1);

  const FetchResult result = Fetch(Corp(kFlakyCorp), TargetOf(kFlakyCorp, file));

  EXPECT_EQ(result.outcome, Outcome::kFailed);
  EXPECT_EQ(result.failure, v1::FAILURE_REASON_RETRIES_EXHAUSTED);
  EXPECT_EQ(result.attempts, 1u);
  ASSERT_TRUE(result.vendor_error.has_value());
  EXPECT_GE(result.vendor_error->code(), 10001);
  EXPECT_LE(result.vendor_error->code(), 10003);
  EXPECT_THAT(result.error, AllOf(HasSubstr("the first piece failed 8 times"),
                                  HasSubstr(file.sdkfileid.substr(file.sdkfileid.size() - 12))));
  EXPECT_EQ(observer_.counts().retries, (std::map<std::string, int>{{"transient", 7}}));
  EXPECT_THAT(StagedFiles(), IsEmpty());
  EXPECT_THAT(store_->Files(), IsEmpty());
}

TEST_F(MediaFetcherTest, RateLimitedPiecesAreRetried) {
  // media_calls_per_minute 2: two one-piece files, then 45009 for a minute.
  std::vector<MediaFile> small;
  for (CorpusMedia& media : ServedMedia(kLimitedCorp)) {
    if (media.file.size <= kPieceSize && small.size() < 3) small.push_back(std::move(media.file));
  }
  ASSERT_THAT(small, SizeIs(3));
  MediaFetcherOptions options = Options();
  options.piece_retry = NoDelay(4);

  EXPECT_TRUE(
      FetchWithOptions(Corp(kLimitedCorp), TargetOf(kLimitedCorp, small[0]), options).done());
  EXPECT_TRUE(
      FetchWithOptions(Corp(kLimitedCorp), TargetOf(kLimitedCorp, small[1]), options).done());
  const FetchResult limited =
      FetchWithOptions(Corp(kLimitedCorp), TargetOf(kLimitedCorp, small[2]), options);

  EXPECT_EQ(limited.failure, v1::FAILURE_REASON_RETRIES_EXHAUSTED);
  ASSERT_TRUE(limited.vendor_error.has_value());
  EXPECT_EQ(limited.vendor_error->code(), 45009);
  EXPECT_EQ(observer_.counts().retries, (std::map<std::string, int>{{"rate_limited", 3}}));
  EXPECT_THAT(StagedFiles(), IsEmpty());
}

TEST_F(MediaFetcherTest, CancelBetweenPiecesLeavesNothing) {
  const MediaFile file = MediaOfAtLeast(kMainCorp, 2 * kPieceSize + 1);
  CancelFlag cancel;
  // Cancelled while the second piece is on its way; it is still written.
  auto source =
      Intercepted(kMainCorp, [&](int call, const std::string& id, const std::string& index) {
        if (call == 1) cancel.Cancel();
        return Forward(kMainCorp, id, index);
      });

  const FetchResult result = Fetch(source.get(), TargetOf(kMainCorp, file), &cancel);

  EXPECT_EQ(result.outcome, Outcome::kCancelled);
  EXPECT_THAT(result.error, HasSubstr("cancelled"));
  EXPECT_EQ(source->calls(), 2);
  EXPECT_EQ(observer_.counts().pieces, 2);
  EXPECT_THAT(observer_.counts().finished, ElementsAre(Outcome::kCancelled));
  EXPECT_THAT(StagedFiles(), IsEmpty());
  EXPECT_THAT(store_->Files(), IsEmpty());
}

TEST_F(MediaFetcherTest, CancelWakesABackoffSleep) {
  const MediaFile file = MediaOfAtLeast(kMainCorp, kPieceSize + 1);
  // The second piece fails for good; the fetcher waits an hour of fake time
  // before each retry, so only Cancel() ends the fetch.
  auto source = Intercepted(
      kMainCorp,
      [&](int call, const std::string& id, const std::string& index) -> absl::StatusOr<MediaChunk> {
        if (call == 0) return Forward(kMainCorp, id, index);
        return archive::SdkErrorStatus(10001, "GetMediaData");
      });
  MediaFetcherOptions options = Options();
  options.piece_retry = {.initial = absl::Hours(1), .max = absl::Hours(1), .max_attempts = 0};
  CancelFlag cancel;

  FetchResult result;
  absl::Notification finished;
  std::thread fetch([&] {
    result = FetchWithOptions(source.get(), TargetOf(kMainCorp, file), options, &cancel);
    finished.Notify();
  });
  while (clock_.sleepers() == 0 && !finished.HasBeenNotified()) std::this_thread::yield();
  EXPECT_FALSE(finished.HasBeenNotified());
  EXPECT_THAT(StagedFiles(), SizeIs(1));  // the first piece, staged
  cancel.Cancel();
  fetch.join();

  EXPECT_EQ(result.outcome, Outcome::kCancelled);
  EXPECT_EQ(source->calls(), 2);
  EXPECT_THAT(StagedFiles(), IsEmpty());
  EXPECT_THAT(store_->Files(), IsEmpty());
}

TEST_F(MediaFetcherTest, IdenticalBytesUnderTwoSdkfileidsAreStoredOnce) {
  const MediaFile file = MediaOfAtLeast(kMainCorp, 1);
  const std::string alias = "CtYBalias-of-the-same-bytes";
  // `alias` serves exactly `file`'s bytes, as a forwarded file would.
  auto source = Intercepted(kMainCorp, [&](int, const std::string& id, const std::string& index) {
    return Forward(kMainCorp, id == alias ? file.sdkfileid : id, index);
  });
  const FetchTarget original = TargetOf(kMainCorp, file);
  FetchTarget aliased = original;
  aliased.sdkfileid = alias;

  const FetchResult first = Fetch(source.get(), original);
  const FetchResult second = Fetch(source.get(), aliased);

  ASSERT_TRUE(first.done()) << first.error;
  ASSERT_TRUE(second.done()) << second.error;
  EXPECT_EQ(first.sha256, second.sha256);
  EXPECT_THAT(store_->Files(), ElementsAre(first.sha256));
  EXPECT_THAT(StagedFiles(), IsEmpty());
}

TEST_F(MediaFetcherTest, ConcurrentFetchesShareOneFetcher) {
  std::vector<MediaFile> files;
  for (CorpusMedia& media : ServedMedia(kMainCorp)) {
    if (files.size() < 6) files.push_back(std::move(media.file));
  }
  MediaFetcher fetcher(Corp(kMainCorp), store_.get(), &clock_, Options(), &observer_);
  std::vector<FetchResult> results(files.size());
  std::vector<std::thread> threads;
  for (size_t t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = t; i < files.size(); i += 2) {
        results[i] = fetcher.Fetch(TargetOf(kMainCorp, files[i]));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  for (size_t i = 0; i < files.size(); ++i) ExpectStoredAsInCorpus(results[i], kMainCorp, files[i]);
  EXPECT_THAT(StagedFiles(), IsEmpty());
}

TEST_F(MediaFetcherTest, StagedFileIsPrivateAndRemovedAsALeftover) {
  const MediaFile file = MediaOfAtLeast(kMainCorp, kPieceSize + 1);
  std::string staged_name;
  mode_t staged_mode = 0;
  // While the second piece is asked for, the first is staged.
  auto source =
      Intercepted(kMainCorp, [&](int call, const std::string& id, const std::string& index) {
        if (call == 1) {
          const std::vector<std::string> staged = StagedFiles();
          EXPECT_THAT(staged, SizeIs(1));
          if (!staged.empty()) {
            staged_name = staged[0];
            struct stat info {};
            EXPECT_EQ(::stat(absl::StrCat(staging_->path(), "/", staged_name).c_str(), &info), 0);
            staged_mode = info.st_mode & 0777;
          }
        }
        return Forward(kMainCorp, id, index);
      });

  ASSERT_TRUE(Fetch(source.get(), TargetOf(kMainCorp, file)).done());
  EXPECT_EQ(staged_mode, 0600u);
  ASSERT_FALSE(staged_name.empty());

  // As a kill -9 mid-fetch would leave it, next to a file that is not ours.
  std::ofstream(absl::StrCat(staging_->path(), "/", staged_name)) << "partial";
  std::ofstream(absl::StrCat(staging_->path(), "/notes.txt")) << "not a staged file";
  EXPECT_THAT(RemoveStagedLeftovers(staging_->path()), IsOkAndHolds(1));
  EXPECT_THAT(StagedFiles(), ElementsAre("notes.txt"));
}

TEST_F(MediaFetcherTest, RemoveStagedLeftoversReportsAMissingDirectory) {
  EXPECT_FALSE(RemoveStagedLeftovers(staging_->path() + "/missing").ok());
}

TEST_F(MediaFetcherTest, StoreFailureIsStorageAndRemovesTheStagedFile) {
  const MediaFile file = MediaOfAtLeast(kMainCorp, 1);
  store_->FailPuts(absl::ResourceExhaustedError("disk full"));

  const FetchResult result = Fetch(Corp(kMainCorp), TargetOf(kMainCorp, file));

  EXPECT_EQ(result.failure, v1::FAILURE_REASON_STORAGE);
  EXPECT_THAT(result.error, HasSubstr("disk full"));
  EXPECT_THAT(StagedFiles(), IsEmpty());
}

TEST_F(MediaFetcherTest, MissingStagingDirectoryIsStorage) {
  const MediaFile file = MediaOfAtLeast(kMainCorp, 1);
  MediaFetcherOptions options = Options();
  options.staging_dir += "/missing";

  const FetchResult result = FetchWithOptions(Corp(kMainCorp), TargetOf(kMainCorp, file), options);

  EXPECT_EQ(result.failure, v1::FAILURE_REASON_STORAGE);
  EXPECT_THAT(result.error, HasSubstr("missing"));
}

TEST_F(MediaFetcherTest, SourceWithoutOutindexbufBeforeTheEndFails) {
  InterceptedSource source([](int, const std::string&, const std::string&) {
    return absl::StatusOr<MediaChunk>(MediaChunk{"some bytes", "", /*is_finish=*/false});
  });

  const FetchResult result = Fetch(&source, {kMainCorp, "CtYBbroken", "", 0});

  EXPECT_EQ(result.outcome, Outcome::kFailed);
  EXPECT_EQ(result.failure, v1::FAILURE_REASON_VENDOR_ERROR);
  EXPECT_THAT(result.error, HasSubstr("no is_finish"));
  EXPECT_EQ(source.calls(), 1);
  EXPECT_THAT(StagedFiles(), IsEmpty());
}

TEST_F(MediaFetcherTest, SourceThatNeverFinishesIsCut) {
  // Full pieces, always another one to come.
  InterceptedSource source([](int call, const std::string&, const std::string&) {
    return absl::StatusOr<MediaChunk>(
        MediaChunk{std::string(kPieceSize, 'x'), absl::StrCat("Range:bytes=", call), false});
  });

  // Twice the expected size plus 1 MiB: cut within the third piece.
  const FetchResult expected_small = Fetch(&source, {kMainCorp, "CtYBendless", "", 1000});
  EXPECT_EQ(expected_small.failure, v1::FAILURE_REASON_SIZE_MISMATCH);
  EXPECT_THAT(expected_small.error, HasSubstr("more than"));
  EXPECT_EQ(source.calls(), 3);

  // No expected size: cut at max_size.
  MediaFetcherOptions options = Options();
  options.max_size = 4 * kPieceSize;
  const FetchResult unknown_size =
      FetchWithOptions(&source, {kMainCorp, "CtYBendless", "", 0}, options);
  EXPECT_EQ(unknown_size.failure, v1::FAILURE_REASON_SIZE_MISMATCH);
  EXPECT_THAT(unknown_size.error, HasSubstr("max_size"));
  EXPECT_EQ(source.calls(), 3 + 5);
  EXPECT_THAT(StagedFiles(), IsEmpty());
}

TEST(RetryReasonLabelTest, LabelsAreMetricFriendly) {
  EXPECT_EQ(RetryReasonLabel(RetryReason::kTransient), "transient");
  EXPECT_EQ(RetryReasonLabel(RetryReason::kRateLimited), "rate_limited");
  EXPECT_EQ(RetryReasonLabel(RetryReason::kMd5Mismatch), "md5_mismatch");
  EXPECT_EQ(RetryReasonLabel(RetryReason::kSizeMismatch), "size_mismatch");
}

}  // namespace
}  // namespace wecom::media
