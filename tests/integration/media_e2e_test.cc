// The media service end to end: real wecom-media and wecom-archive processes
// over loopback gRPC, the Finance SDK emulator loaded by the archive with
// dlopen, blobs on local disk or in a real S3-protocol server.
#include <sys/wait.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/crypto/hex_digest.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/media_harness.h"
#include "tests/support/s3_server.h"

namespace wecom::testing {
namespace {

using ::testing::HasSubstr;
using wecom::media::v1::MediaJob;

// Every media object of a corpus, with the msgtype of the message carrying it.
struct CorpusMedia {
  emulator::MediaFile file;
  std::string carrier;
};

std::vector<CorpusMedia> AllMedia(const emulator::Corpus& corpus) {
  std::vector<CorpusMedia> out;
  for (size_t i = 0; i < corpus.base_size(); ++i) {
    for (emulator::MediaFile& file : corpus.MediaOf(i)) {
      out.push_back({std::move(file), corpus.Message(i)->msgtype});
    }
  }
  return out;
}

// The corpus's largest media object: several 512 KiB pieces.
emulator::MediaFile LargestMedia(const emulator::Corpus& corpus) {
  emulator::MediaFile largest;
  for (const CorpusMedia& media : AllMedia(corpus)) {
    if (media.file.size > largest.size) largest = media.file;
  }
  return largest;
}

std::string Bytes(const emulator::Corpus& corpus, const emulator::MediaFile& file) {
  absl::StatusOr<std::string> bytes = corpus.MediaBytes(file, 0, file.size);
  return bytes.ok() ? *bytes : "";
}

// The value of the first sample of `name` whose labels include every
// `label="value"` given, summed over matching samples; 0 when absent.
double Sample(const std::string& metrics, const std::string& name,
              const std::vector<std::string>& labels) {
  double total = 0;
  for (absl::string_view line : absl::StrSplit(metrics, '\n')) {
    if (!absl::StartsWith(line, name + "{") && !absl::StartsWith(line, name + " ")) continue;
    bool matches = true;
    for (const std::string& label : labels) matches = matches && absl::StrContains(line, label);
    double value = 0;
    if (matches && absl::SimpleAtod(line.substr(line.rfind(' ') + 1), &value)) total += value;
  }
  return total;
}

std::unique_ptr<MediaHarness> StartHarness(MediaHarnessOptions options) {
  absl::StatusOr<std::unique_ptr<MediaHarness>> harness = MediaHarness::Create(std::move(options));
  EXPECT_TRUE(harness.ok()) << harness.status();
  if (!harness.ok()) return nullptr;
  absl::Status started = (*harness)->StartMedia();
  EXPECT_TRUE(started.ok()) << started;
  return started.ok() ? *std::move(harness) : nullptr;
}

MediaHarnessOptions SmallCorpus(uint64_t seed) {
  MediaHarnessOptions options;
  options.archive.traffic.message_count = 300;
  options.archive.traffic.seed = seed;
  // Small files keep the test quick; the first cycle still has multi-piece ones.
  options.archive.traffic.media_size_scale = 0.2;
  return options;
}

grpc::Status Fetch(wecom::media::v1::MediaService::Stub* stub, const std::string& corp,
                   const emulator::MediaFile& file, wecom::media::v1::FetchMediaResponse* out) {
  grpc::ClientContext context;
  wecom::media::v1::FetchMediaRequest request;
  request.set_corp_id(corp);
  request.mutable_media()->set_sdkfileid(file.sdkfileid);
  request.mutable_media()->set_size(file.size);
  request.mutable_media()->set_kind(file.kind);
  return stub->FetchMedia(&context, request, out);
}

TEST(MediaEndToEnd, AutomaticModeFetchesEveryMediaBearingTypeByteForByte) {
  auto harness = StartHarness(SmallCorpus(31));
  ASSERT_NE(harness, nullptr);
  const emulator::Corpus& corpus = harness->corpus();
  std::set<std::string> kinds, carriers;
  for (const CorpusMedia& media : AllMedia(corpus)) {
    absl::StatusOr<MediaJob> job = harness->AwaitSettled(harness->corp_id(), media.file.sdkfileid);
    ASSERT_TRUE(job.ok()) << job.status();
    ASSERT_EQ(job->state(), wecom::media::v1::MEDIA_STATE_DONE) << job->error();
    const std::string expected = Bytes(corpus, media.file);
    EXPECT_EQ(job->size(), expected.size());
    EXPECT_EQ(job->md5(), *corpus.Md5Hex(media.file));
    // meeting_voice_call is the one media type whose message has no md5sum.
    if (media.file.kind != "meeting_voice_call") {
      EXPECT_EQ(job->expected_md5(), job->md5());
    }
    EXPECT_EQ(job->kind(), media.file.kind);
    EXPECT_EQ(job->sha256(), Sha256Hex(expected));
    absl::StatusOr<std::string> downloaded =
        harness->Download(harness->corp_id(), media.file.sdkfileid);
    ASSERT_TRUE(downloaded.ok()) << downloaded.status();
    EXPECT_TRUE(*downloaded == expected) << media.file.kind << " differs";
    kinds.insert(media.file.kind);
    carriers.insert(media.carrier);
  }
  EXPECT_EQ(kinds, (std::set<std::string>{"image", "voice", "video", "file", "emotion",
                                          "meeting_voice_call", "voip_doc_share"}));
  EXPECT_TRUE(carriers.contains("mixed"));
  EXPECT_TRUE(carriers.contains("chatrecord"));
  const std::string metrics = harness->MetricsText();
  EXPECT_GT(Sample(metrics, "media_fetched_bytes_total", {}), 0);
  EXPECT_EQ(Sample(metrics, "media_jobs", {"state=\"done\""}),
            static_cast<double>(AllMedia(corpus).size()));
  // Nothing failed, and the failure series say so with a 0, not by being absent.
  const std::string corp_label = absl::StrCat("corp=\"", harness->corp_id(), "\"");
  EXPECT_THAT(metrics, HasSubstr(absl::StrCat("media_jobs{", corp_label, ",state=\"failed\"} 0")));
  EXPECT_THAT(metrics, HasSubstr(absl::StrCat("media_md5_mismatches_total{", corp_label, "} 0")));
  EXPECT_THAT(metrics, HasSubstr(absl::StrCat("media_fetch_retries_total{", corp_label,
                                              ",reason=\"size_mismatch\"} 0")));
}

// Media pod N follows the corps of ordinal N, from archive pod N: its
// archive.target names the archive pod by "{ordinal}" (here a loopback address
// stands for the pod's DNS name), and it names the owner of any other corp.
TEST(MediaEndToEnd, AShardedPodFetchesItsCorpsFromTheArchivePodOfItsOrdinal) {
  MediaHarnessOptions options = SmallCorpus(37);
  options.archive.extra_corps = 1;
  options.archive.shard_map = {1, 0};
  options.archive.shard_ordinal = 1;
  options.archive.listen_host = "127.0.1.1";
  options.archive_target = "127.0.{ordinal}.1:$port";
  auto harness = StartHarness(options);
  ASSERT_NE(harness, nullptr);
  for (const CorpusMedia& media : AllMedia(harness->corpus(0))) {
    absl::StatusOr<MediaJob> job = harness->AwaitSettled(harness->corp_id(0), media.file.sdkfileid);
    ASSERT_TRUE(job.ok()) << job.status();
    EXPECT_EQ(job->state(), wecom::media::v1::MEDIA_STATE_DONE) << job->error();
  }
  auto stub = harness->Stub();
  grpc::ClientContext context;
  wecom::media::v1::GetMediaRequest request;
  request.set_corp_id(harness->corp_id(1));
  request.set_sdkfileid(AllMedia(harness->corpus(1)).front().file.sdkfileid);
  wecom::media::v1::GetMediaResponse response;
  const grpc::Status refused = stub->GetMedia(&context, request, &response);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(refused.error_message(), HasSubstr("ordinal 0"));
  const std::string metrics = harness->MetricsText();
  EXPECT_GT(Sample(metrics, "media_follow_position", {harness->corp_id(0)}), 0);
  EXPECT_THAT(metrics, ::testing::Not(HasSubstr(harness->corp_id(1))));
}

TEST(MediaEndToEnd, ACorruptedFirstFetchIsRefetchedAndVerified) {
  MediaHarnessOptions options = SmallCorpus(32);
  options.archive.traffic.message_count = 60;
  options.archive.faults.media_corrupt_rate = 1;  // every piece's first fetch is corrupt
  auto harness = StartHarness(options);
  ASSERT_NE(harness, nullptr);
  const std::vector<CorpusMedia> media = AllMedia(harness->corpus());
  ASSERT_FALSE(media.empty());
  int verifiable = 0;
  for (const CorpusMedia& m : media) {
    absl::StatusOr<MediaJob> job = harness->AwaitSettled(harness->corp_id(), m.file.sdkfileid);
    ASSERT_TRUE(job.ok()) << job.status();
    ASSERT_EQ(job->state(), wecom::media::v1::MEDIA_STATE_DONE) << job->error();
    // Without an md5sum (meeting_voice_call) corruption cannot be told apart.
    if (job->expected_md5().empty()) continue;
    ++verifiable;
    EXPECT_EQ(job->attempts(), 2u) << m.file.kind;
    EXPECT_TRUE(*harness->Download(harness->corp_id(), m.file.sdkfileid) ==
                Bytes(harness->corpus(), m.file))
        << m.file.kind;
  }
  EXPECT_GT(verifiable, 0);
  EXPECT_EQ(Sample(harness->MetricsText(), "media_md5_mismatches_total", {}),
            static_cast<double>(verifiable));
}

TEST(MediaEndToEnd, AnEmptyMd5sumIsAcceptedOnSize) {
  MediaHarnessOptions options = SmallCorpus(33);
  options.archive.traffic.message_count = 60;
  options.archive.traffic.empty_md5sum_rate = 1;
  auto harness = StartHarness(options);
  ASSERT_NE(harness, nullptr);
  for (const CorpusMedia& m : AllMedia(harness->corpus())) {
    absl::StatusOr<MediaJob> job = harness->AwaitSettled(harness->corp_id(), m.file.sdkfileid);
    ASSERT_TRUE(job.ok()) << job.status();
    EXPECT_EQ(job->state(), wecom::media::v1::MEDIA_STATE_DONE) << job->error();
    EXPECT_EQ(job->expected_md5(), "");
    EXPECT_EQ(job->md5(), *harness->corpus().Md5Hex(m.file));
  }
}

TEST(MediaEndToEnd, A10006IsReportedListedAndRetryableOnRequest) {
  MediaHarnessOptions options = SmallCorpus(34);
  options.archive.traffic.message_count = 40;
  // The corpus is a function of its settings: the test knows the ids in advance.
  const std::vector<CorpusMedia> media = AllMedia(emulator::Corpus(options.archive.traffic));
  ASSERT_GE(media.size(), 2u);
  const std::string failing = media[1].file.sdkfileid;
  options.archive.faults.failing_sdkfileids = {failing};
  auto harness = StartHarness(options);
  ASSERT_NE(harness, nullptr);
  absl::StatusOr<MediaJob> job = harness->AwaitSettled(harness->corp_id(), failing);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->state(), wecom::media::v1::MEDIA_STATE_FAILED);
  EXPECT_EQ(job->failure(), wecom::media::v1::FAILURE_REASON_VENDOR_ERROR);
  EXPECT_EQ(job->vendor_error().code(), 10006);
  EXPECT_EQ(job->attempts(), 1u);
  EXPECT_THAT(job->error(), HasSubstr("10006"));

  auto stub = harness->Stub();
  grpc::ClientContext list_context;
  wecom::media::v1::ListMediaRequest list;
  list.set_corp_id(harness->corp_id());
  list.set_state(wecom::media::v1::MEDIA_STATE_FAILED);
  wecom::media::v1::ListMediaResponse listed;
  ASSERT_TRUE(stub->ListMedia(&list_context, list, &listed).ok());
  ASSERT_EQ(listed.jobs_size(), 1);
  EXPECT_EQ(listed.jobs(0).sdkfileid(), failing);

  grpc::ClientContext retry_context;
  wecom::media::v1::RetryMediaRequest retry;
  retry.set_corp_id(harness->corp_id());
  retry.set_sdkfileid(failing);
  wecom::media::v1::RetryMediaResponse retried;
  ASSERT_TRUE(stub->RetryMedia(&retry_context, retry, &retried).ok());
  EXPECT_EQ(retried.job().state(), wecom::media::v1::MEDIA_STATE_QUEUED);
  job = harness->AwaitSettled(harness->corp_id(), failing);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->state(), wecom::media::v1::MEDIA_STATE_FAILED);  // the emulator keeps failing it
  EXPECT_EQ(job->attempts(), 2u);

  // A job that is not FAILED cannot be retried.
  absl::StatusOr<MediaJob> done =
      harness->AwaitSettled(harness->corp_id(), media[0].file.sdkfileid);
  ASSERT_TRUE(done.ok()) << done.status();
  grpc::ClientContext again_context;
  retry.set_sdkfileid(media[0].file.sdkfileid);
  EXPECT_EQ(stub->RetryMedia(&again_context, retry, &retried).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

// Every blob file is named by the SHA-256 of its content: nothing partial.
void ExpectBlobsIntact(const std::string& blob_root) {
  if (!std::filesystem::exists(blob_root)) return;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(blob_root)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(entry.path().filename().string(), Sha256Hex(content)) << entry.path();
  }
}

TEST(MediaEndToEnd, KillDashNineMidFetchLeavesNoCorruptBlobAndTheJobCompletes) {
  MediaHarnessOptions options = SmallCorpus(35);
  options.archive.traffic.message_count = 40;
  options.archive.traffic.media_size_scale = 3;  // multi-MiB files
  options.archive.faults.latency_ms = 30;        // ~30 ms per piece: a fetch takes a while
  options.follow = false;
  auto harness = StartHarness(options);
  ASSERT_NE(harness, nullptr);
  const emulator::MediaFile file = LargestMedia(harness->corpus());
  ASSERT_GT(file.size, 4u * 512 * 1024);
  auto stub = harness->Stub();
  wecom::media::v1::FetchMediaResponse fetched;
  ASSERT_TRUE(Fetch(stub.get(), harness->corp_id(), file, &fetched).ok());

  // Wait until bytes are flowing for this file, then kill.
  const absl::Time give_up = absl::Now() + absl::Seconds(60);
  while (Sample(harness->MetricsText(), "media_fetched_pieces_total", {}) < 2) {
    ASSERT_LT(absl::Now(), give_up);
    absl::SleepFor(absl::Milliseconds(10));
  }
  const int status = harness->StopMedia(SIGKILL);
  ASSERT_TRUE(WIFSIGNALED(status));
  ExpectBlobsIntact(harness->data_dir() + "/blobs");

  ASSERT_TRUE(harness->StartMedia().ok());
  absl::StatusOr<MediaJob> job = harness->AwaitSettled(harness->corp_id(), file.sdkfileid);
  ASSERT_TRUE(job.ok()) << job.status();
  ASSERT_EQ(job->state(), wecom::media::v1::MEDIA_STATE_DONE) << job->error();
  EXPECT_EQ(*harness->Download(harness->corp_id(), file.sdkfileid), Bytes(harness->corpus(), file));
  ExpectBlobsIntact(harness->data_dir() + "/blobs");
  // The killed fetch's staged file was cleared at restart.
  EXPECT_TRUE(std::filesystem::is_empty(harness->data_dir() + "/staging"));
}

TEST(MediaEndToEnd, FiftyConcurrentFetchesOfOneIdShareOneFetch) {
  MediaHarnessOptions options = SmallCorpus(36);
  options.archive.traffic.message_count = 40;
  options.follow = false;
  auto harness = StartHarness(options);
  ASSERT_NE(harness, nullptr);
  const emulator::MediaFile file = LargestMedia(harness->corpus());
  std::atomic<int> created{0}, failed{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < 50; ++i) {
    callers.emplace_back([&] {
      auto stub = harness->Stub();
      wecom::media::v1::FetchMediaResponse response;
      grpc::Status status = Fetch(stub.get(), harness->corp_id(), file, &response);
      if (!status.ok()) ++failed;
      if (response.created()) ++created;
    });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(created.load(), 1);
  absl::StatusOr<MediaJob> job = harness->AwaitSettled(harness->corp_id(), file.sdkfileid);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->state(), wecom::media::v1::MEDIA_STATE_DONE);
  // The archive served each piece exactly once.
  const double pieces = static_cast<double>((file.size + 512 * 1024 - 1) / (512 * 1024));
  EXPECT_EQ(
      Sample(harness->archive().MetricsText(), "archive_media_chunks_total", {"result=\"ok\""}),
      pieces);
}

TEST(MediaEndToEnd, DownloadResumesFromAnOffset) {
  MediaHarnessOptions options = SmallCorpus(37);
  options.archive.traffic.message_count = 40;
  options.follow = false;
  auto harness = StartHarness(options);
  ASSERT_NE(harness, nullptr);
  const emulator::MediaFile file = LargestMedia(harness->corpus());
  auto stub = harness->Stub();
  wecom::media::v1::FetchMediaResponse fetched;
  ASSERT_TRUE(Fetch(stub.get(), harness->corp_id(), file, &fetched).ok());
  ASSERT_TRUE(harness->AwaitSettled(harness->corp_id(), file.sdkfileid).ok());
  const std::string whole = Bytes(harness->corpus(), file);
  for (uint64_t offset : {uint64_t{0}, uint64_t{1}, file.size / 2, file.size - 1, file.size}) {
    absl::StatusOr<std::string> tail =
        harness->Download(harness->corp_id(), file.sdkfileid, offset);
    ASSERT_TRUE(tail.ok()) << offset << ": " << tail.status();
    EXPECT_TRUE(*tail == whole.substr(offset)) << "offset " << offset;
  }
  absl::StatusOr<std::string> past =
      harness->Download(harness->corp_id(), file.sdkfileid, file.size + 1);
  EXPECT_TRUE(absl::IsOutOfRange(past.status())) << past.status();
}

TEST(MediaEndToEnd, TheS3BackendStoresAndServesVerifiedBlobs) {
  absl::StatusOr<std::unique_ptr<S3Server>> s3 = S3Server::Start("wecom-media-it");
  ASSERT_TRUE(s3.ok()) << s3.status();
  MediaHarnessOptions options = SmallCorpus(38);
  options.archive.traffic.message_count = 40;
  options.s3 = MediaHarnessOptions::S3{.endpoint = (*s3)->endpoint(),
                                       .bucket = (*s3)->bucket(),
                                       .access_key_id = S3Server::kAccessKeyId,
                                       .secret_access_key = S3Server::kSecretAccessKey};
  auto harness = StartHarness(options);
  ASSERT_NE(harness, nullptr);
  const std::vector<CorpusMedia> media = AllMedia(harness->corpus());
  ASSERT_FALSE(media.empty());
  for (const CorpusMedia& m : media) {
    absl::StatusOr<MediaJob> job = harness->AwaitSettled(harness->corp_id(), m.file.sdkfileid);
    ASSERT_TRUE(job.ok()) << job.status();
    ASSERT_EQ(job->state(), wecom::media::v1::MEDIA_STATE_DONE) << job->error();
    EXPECT_EQ(*harness->Download(harness->corp_id(), m.file.sdkfileid),
              Bytes(harness->corpus(), m.file));
  }
  // Nothing went to local disk.
  EXPECT_FALSE(std::filesystem::exists(harness->data_dir() + "/blobs"));
}

TEST(MediaEndToEnd, ARestartResumesFromTheConsumerCursorWithoutRefetching) {
  MediaHarnessOptions options = SmallCorpus(39);
  options.archive.traffic.message_count = 80;
  auto harness = StartHarness(options);
  ASSERT_NE(harness, nullptr);
  const std::vector<CorpusMedia> media = AllMedia(harness->corpus());
  for (const CorpusMedia& m : media) {
    ASSERT_TRUE(harness->AwaitSettled(harness->corp_id(), m.file.sdkfileid).ok());
  }
  const double served = Sample(harness->archive().MetricsText(), "archive_media_chunks_total", {});
  ASSERT_EQ(WEXITSTATUS(harness->StopMedia(SIGTERM)), 0);
  ASSERT_TRUE(harness->StartMedia().ok());
  // The restarted follower reaches the end of the stream...
  const double head = static_cast<double>(harness->corpus().base_size());
  const absl::Time give_up = absl::Now() + absl::Seconds(60);
  while (Sample(harness->MetricsText(), "media_follow_position", {}) < head) {
    ASSERT_LT(absl::Now(), give_up);
    absl::SleepFor(absl::Milliseconds(20));
  }
  // ...without fetching anything again.
  EXPECT_EQ(Sample(harness->archive().MetricsText(), "archive_media_chunks_total", {}), served);
  EXPECT_EQ(Sample(harness->MetricsText(), "media_jobs", {"state=\"done\""}),
            static_cast<double>(media.size()));
}

TEST(MediaEndToEnd, BadArgumentsAndUnknownIdsAreRejectedNamingTheField) {
  MediaHarnessOptions options = SmallCorpus(40);
  options.archive.traffic.message_count = 10;
  options.follow = false;
  auto harness = StartHarness(options);
  ASSERT_NE(harness, nullptr);
  auto stub = harness->Stub();
  const std::string corp = harness->corp_id();
  using Stub = wecom::media::v1::MediaService::Stub;
  auto unary = [&](auto method, const std::string& text) {
    return TextFormatCall(stub.get(), method, corp, text);
  };
  struct Case {
    std::string name;
    UnaryCall call;
    grpc::StatusCode code;
    std::string names;
  };
  constexpr auto kInvalid = grpc::StatusCode::INVALID_ARGUMENT;
  const std::vector<Case> cases = {
      {"fetch without corp", unary(&Stub::FetchMedia, "media { sdkfileid: 'x' }"), kInvalid,
       "corp_id"},
      {"fetch without sdkfileid", unary(&Stub::FetchMedia, "corp_id: '$corp'"), kInvalid,
       "media.sdkfileid"},
      {"fetch with a bad md5sum",
       unary(&Stub::FetchMedia, "corp_id: '$corp' media { sdkfileid: 'x' md5sum: 'not-hex' }"),
       kInvalid, "media.md5sum"},
      {"fetch with a bad ext",
       unary(&Stub::FetchMedia, "corp_id: '$corp' media { sdkfileid: 'x' ext: '../../etc' }"),
       kInvalid, "media.ext"},
      {"fetch for an unknown corp",
       unary(&Stub::FetchMedia, "corp_id: 'wwnosuchcorp' media { sdkfileid: 'x' }"),
       grpc::StatusCode::NOT_FOUND, "corp_id"},
      {"get an unknown sdkfileid",
       unary(&Stub::GetMedia, "corp_id: '$corp' sdkfileid: 'never-fetched'"),
       grpc::StatusCode::NOT_FOUND, "sdkfileid"},
      {"get without sdkfileid", unary(&Stub::GetMedia, "corp_id: '$corp'"), kInvalid, "sdkfileid"},
      {"list with too large a page", unary(&Stub::ListMedia, "corp_id: '$corp' page_size: 5000"),
       kInvalid, "page_size"},
      {"list with a forged page token",
       unary(&Stub::ListMedia, "corp_id: '$corp' page_token: '!!'"), kInvalid, "page_token"},
      {"retry without sdkfileid", unary(&Stub::RetryMedia, "corp_id: '$corp'"), kInvalid,
       "sdkfileid"},
  };
  for (const Case& c : cases) {
    grpc::ClientContext context;
    const grpc::Status status = c.call(&context);
    EXPECT_EQ(status.error_code(), c.code) << c.name << ": " << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr(c.names)) << c.name;
  }
  EXPECT_GE(Sample(harness->MetricsText(), "media_rejected_requests_total",
                   {"grpc_method=\"FetchMedia\"", "field=\"media.md5sum\""}),
            1);

  // A job that is still queued cannot be downloaded yet; without a token nothing works.
  auto anonymous = harness->Stub(/*with_token=*/false);
  grpc::ClientContext context;
  wecom::media::v1::GetMediaRequest get;
  get.set_corp_id(corp);
  get.set_sdkfileid("x");
  wecom::media::v1::GetMediaResponse out;
  EXPECT_EQ(anonymous->GetMedia(&context, get, &out).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

}  // namespace
}  // namespace wecom::testing
