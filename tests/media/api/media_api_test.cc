// MediaApi without gRPC, over a started FetchScheduler (scripted chunk source,
// RocksDB and a LocalBlobStore in a TempDir): every RPC's validation, named
// and counted; DownloadMedia's pieces, offsets, early stop and lost bytes;
// ListMedia's paging.
#include "services/media/api/media_api.h"

#include <unistd.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "services/media/jobs/media_job.h"
#include "services/media/metrics/media_metrics.h"
#include "tests/media/blob/blob_test_files.h"
#include "tests/media/jobs/media_jobs_env.h"
#include "tests/support/metric_values.h"

namespace wecom::media {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::StartsWith;
using v1::DownloadMediaResponse;
using v1::MediaJob;
using ::wecom::media::testing::kMaxPiece;
using ::wecom::media::testing::RandomBytes;
using ::wecom::media::testing::SchedulerWorld;
using ::wecom::testing::IsOk;
using ::wecom::testing::MetricValue;
using ::wecom::testing::StatusIs;

template <typename Request>
Request Parse(const std::string& text) {
  Request request;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &request)) << text;
  return request;
}

class MediaApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<SchedulerWorld>> world =
        SchedulerWorld::Create({.concurrency = 2, .per_corp_concurrency = 2});
    ASSERT_THAT(world, IsOk());
    world_ = *std::move(world);
    ASSERT_THAT(world_->scheduler().Start(), IsOk());
    api_ = std::make_unique<MediaApi>(&world_->scheduler(), &world_->store(), &world_->blobs(),
                                      &metrics_, absl::flat_hash_set<std::string>{"ww1", "ww2"});
  }

  // A DONE job of `bytes`, fetched through the scheduler.
  MediaJob Fetched(const std::string& sdkfileid, const std::string& bytes) {
    world_->source().SetContent(sdkfileid, bytes);
    EXPECT_THAT(world_->SubmitAll("ww1", {sdkfileid}), IsOk());
    EXPECT_TRUE(world_->AwaitState("ww1", sdkfileid, v1::MEDIA_STATE_DONE));
    absl::StatusOr<MediaJob> job = world_->store().Get("ww1", sdkfileid);
    EXPECT_THAT(job, IsOk());
    return job.value_or(MediaJob());
  }

  // Every response DownloadMedia sends from `offset`, and its status.
  absl::Status Download(const std::string& sdkfileid, uint64_t offset,
                        std::vector<DownloadMediaResponse>& responses, size_t stop_after = 0) {
    v1::DownloadMediaRequest request;
    request.set_corp_id("ww1");
    request.set_sdkfileid(sdkfileid);
    request.set_offset(offset);
    return api_->DownloadMedia(request, [&](const DownloadMediaResponse& response) {
      responses.push_back(response);
      return stop_after == 0 || responses.size() < stop_after;
    });
  }

  // What the responses carry, checking each piece starts where the last one
  // ended and only the first has the job.
  std::string Joined(const std::vector<DownloadMediaResponse>& responses, uint64_t offset) {
    std::string data;
    for (size_t i = 0; i < responses.size(); ++i) {
      EXPECT_EQ(responses[i].offset(), offset + data.size()) << "response " << i;
      EXPECT_LE(responses[i].data().size(), kMaxPiece) << "response " << i;
      EXPECT_EQ(responses[i].has_job(), i == 0) << "response " << i;
      data += responses[i].data();
    }
    return data;
  }

  double Rejected(const std::string& method, const std::string& field) {
    return MetricValue(registry_, "media_rejected_requests_total",
                       {{"grpc_method", method}, {"field", field}});
  }

  prometheus::Registry registry_;
  MediaMetrics metrics_{registry_};
  std::unique_ptr<SchedulerWorld> world_;
  std::unique_ptr<MediaApi> api_;
};

TEST_F(MediaApiTest, EachBadArgumentIsRejectedNamingItsFieldAndCounted) {
  const std::string long_id(kMaxSdkFileIdLength + 1, 'x');
  struct Case {
    std::string method;
    std::string field;
    std::function<absl::Status(MediaApi&)> call;
  };
  auto fetch = [](const std::string& text) {
    return [text](MediaApi& api) {
      return api.FetchMedia(Parse<v1::FetchMediaRequest>(text)).status();
    };
  };
  auto get = [](const std::string& text) {
    return
        [text](MediaApi& api) { return api.GetMedia(Parse<v1::GetMediaRequest>(text)).status(); };
  };
  auto download = [](const std::string& text) {
    return [text](MediaApi& api) {
      return api.DownloadMedia(Parse<v1::DownloadMediaRequest>(text),
                               [](const DownloadMediaResponse&) { return true; });
    };
  };
  auto list = [](const std::string& text) {
    return
        [text](MediaApi& api) { return api.ListMedia(Parse<v1::ListMediaRequest>(text)).status(); };
  };
  auto retry = [](const std::string& text) {
    return [text](MediaApi& api) {
      return api.RetryMedia(Parse<v1::RetryMediaRequest>(text)).status();
    };
  };
  const std::vector<Case> cases = {
      {"FetchMedia", "corp_id", fetch("media { sdkfileid: 'x' }")},
      {"FetchMedia", "media.sdkfileid", fetch("corp_id: 'ww1'")},
      {"FetchMedia", "media.sdkfileid",
       fetch(absl::StrCat("corp_id: 'ww1' media { sdkfileid: '", long_id, "' }"))},
      {"FetchMedia", "media.md5sum", fetch("corp_id: 'ww1' media { sdkfileid: 'x' md5sum: 'z' }")},
      {"FetchMedia", "media.ext", fetch("corp_id: 'ww1' media { sdkfileid: 'x' ext: '../x' }")},
      {"FetchMedia", "msgid",
       fetch(absl::StrCat("corp_id: 'ww1' media { sdkfileid: 'x' } msgid: '", std::string(257, 'm'),
                          "'"))},
      {"GetMedia", "corp_id", get("sdkfileid: 'x'")},
      {"GetMedia", "sdkfileid", get("corp_id: 'ww1'")},
      {"GetMedia", "sdkfileid", get(absl::StrCat("corp_id: 'ww1' sdkfileid: '", long_id, "'"))},
      {"DownloadMedia", "corp_id", download("sdkfileid: 'x'")},
      {"DownloadMedia", "sdkfileid", download("corp_id: 'ww1' offset: 3")},
      {"ListMedia", "corp_id", list("page_size: 10")},
      {"ListMedia", "page_size", list("corp_id: 'ww1' page_size: 1001")},
      {"ListMedia", "page_token", list("corp_id: 'ww1' page_token: '!!!'")},
      {"ListMedia", "state",
       [](MediaApi& api) {
         v1::ListMediaRequest request;
         request.set_corp_id("ww1");
         request.set_state(static_cast<v1::MediaState>(99));
         return api.ListMedia(request).status();
       }},
      {"RetryMedia", "corp_id", retry("sdkfileid: 'x'")},
      {"RetryMedia", "sdkfileid", retry("corp_id: 'ww2'")},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(absl::StrCat(c.method, " ", c.field));
    const double before = Rejected(c.method, c.field);
    EXPECT_THAT(c.call(*api_),
                StatusIs(absl::StatusCode::kInvalidArgument, StartsWith(c.field + ": ")));
    EXPECT_EQ(Rejected(c.method, c.field), before + 1);
  }
  EXPECT_EQ(MetricValue(registry_, "media_rejected_requests_total"), cases.size());
  // Nothing reached the store.
  absl::StatusOr<JobPage> page =
      world_->store().ListJobs("ww1", v1::MEDIA_STATE_UNSPECIFIED, 10, "");
  ASSERT_THAT(page, IsOk());
  EXPECT_THAT(page->jobs, IsEmpty());
}

TEST_F(MediaApiTest, AnUnknownCorpOrSdkFileIdIsNotFoundAndNotCounted) {
  constexpr auto kNotFound = absl::StatusCode::kNotFound;
  EXPECT_THAT(
      api_->FetchMedia(Parse<v1::FetchMediaRequest>("corp_id: 'ww3' media { sdkfileid: 'x' }")),
      StatusIs(kNotFound, HasSubstr("ww3")));
  EXPECT_THAT(api_->GetMedia(Parse<v1::GetMediaRequest>("corp_id: 'ww1x' sdkfileid: 'x'")),
              StatusIs(kNotFound));
  EXPECT_THAT(api_->ListMedia(Parse<v1::ListMediaRequest>("corp_id: 'ww'")), StatusIs(kNotFound));
  EXPECT_THAT(api_->GetMedia(Parse<v1::GetMediaRequest>("corp_id: 'ww1' sdkfileid: 'x'")),
              StatusIs(kNotFound));
  EXPECT_THAT(api_->RetryMedia(Parse<v1::RetryMediaRequest>("corp_id: 'ww1' sdkfileid: 'x'")),
              StatusIs(kNotFound));
  std::vector<DownloadMediaResponse> responses;
  EXPECT_THAT(Download("x", 0, responses), StatusIs(kNotFound));
  EXPECT_THAT(responses, IsEmpty());
  EXPECT_EQ(MetricValue(registry_, "media_rejected_requests_total"), 0);
}

TEST_F(MediaApiTest, FetchMediaCreatesOnceAndThenReturnsTheStoredJob) {
  world_->source().Hold("obj");
  world_->source().SetContent("obj", "bytes");
  absl::StatusOr<v1::FetchMediaResponse> first = api_->FetchMedia(Parse<v1::FetchMediaRequest>(
      "corp_id: 'ww1' media { sdkfileid: 'obj' md5sum: '0123456789ABCDEF0123456789abcdef' "
      "ext: 'JPG' kind: 'image' } msgid: 'm1'"));
  ASSERT_THAT(first, IsOk());
  EXPECT_TRUE(first->created());
  EXPECT_EQ(first->job().state(), v1::MEDIA_STATE_QUEUED);
  EXPECT_EQ(first->job().expected_md5(), "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(first->job().mime_type(), "image/jpeg");
  EXPECT_EQ(first->job().msgid(), "m1");
  ASSERT_TRUE(world_->source().AwaitHeld("obj"));

  absl::StatusOr<v1::FetchMediaResponse> again = api_->FetchMedia(
      Parse<v1::FetchMediaRequest>("corp_id: 'ww1' media { sdkfileid: 'obj' } msgid: 'm2'"));
  ASSERT_THAT(again, IsOk());
  EXPECT_FALSE(again->created());
  EXPECT_EQ(again->job().state(), v1::MEDIA_STATE_FETCHING);
  EXPECT_EQ(again->job().msgid(), "m1");
  EXPECT_EQ(again->job().expected_md5(), "0123456789abcdef0123456789abcdef");

  absl::StatusOr<v1::GetMediaResponse> got =
      api_->GetMedia(Parse<v1::GetMediaRequest>("corp_id: 'ww1' sdkfileid: 'obj'"));
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->job().msgid(), "m1");
  // Another corp's object of the same id is another job.
  EXPECT_THAT(api_->GetMedia(Parse<v1::GetMediaRequest>("corp_id: 'ww2' sdkfileid: 'obj'")),
              StatusIs(absl::StatusCode::kNotFound));
  world_->source().Release("obj");
}

TEST_F(MediaApiTest, DownloadSendsPiecesOfAtMost512KiBFromTheOffset) {
  const std::string bytes = RandomBytes(2 * kMaxPiece + 100, 7);
  const MediaJob job = Fetched("big", bytes);
  for (uint64_t offset : {uint64_t{0}, uint64_t{1}, uint64_t{kMaxPiece}, bytes.size() - 1}) {
    SCOPED_TRACE(offset);
    std::vector<DownloadMediaResponse> responses;
    ASSERT_THAT(Download("big", offset, responses), IsOk());
    ASSERT_THAT(responses, ::testing::Not(IsEmpty()));
    EXPECT_EQ(responses[0].job().sha256(), job.sha256());
    EXPECT_EQ(responses[0].job().size(), bytes.size());
    EXPECT_TRUE(Joined(responses, offset) == bytes.substr(offset));
  }
  std::vector<DownloadMediaResponse> whole;
  ASSERT_THAT(Download("big", 0, whole), IsOk());
  EXPECT_THAT(whole, SizeIs(3));
  // Every byte sent, by each download above.
  const double sent = bytes.size() + (bytes.size() - 1) + (bytes.size() - kMaxPiece) + 1 +
                      static_cast<double>(bytes.size());
  EXPECT_EQ(MetricValue(registry_, "media_downloaded_bytes_total", {{"corp", "ww1"}}), sent);
}

TEST_F(MediaApiTest, DownloadFromTheEndSendsTheJobAndNoBytes) {
  const std::string bytes = RandomBytes(1000, 8);
  Fetched("done", bytes);
  std::vector<DownloadMediaResponse> responses;
  ASSERT_THAT(Download("done", bytes.size(), responses), IsOk());
  ASSERT_THAT(responses, SizeIs(1));
  EXPECT_EQ(responses[0].offset(), bytes.size());
  EXPECT_THAT(responses[0].data(), IsEmpty());
  EXPECT_EQ(responses[0].job().size(), bytes.size());

  responses.clear();
  EXPECT_THAT(Download("done", bytes.size() + 1, responses),
              StatusIs(absl::StatusCode::kOutOfRange, StartsWith("offset")));
  EXPECT_THAT(responses, IsEmpty());
}

TEST_F(MediaApiTest, AnEmptyObjectDownloadsAsTheJobAlone) {
  Fetched("empty", "");
  std::vector<DownloadMediaResponse> responses;
  ASSERT_THAT(Download("empty", 0, responses), IsOk());
  ASSERT_THAT(responses, SizeIs(1));
  EXPECT_EQ(responses[0].offset(), 0u);
  EXPECT_THAT(responses[0].data(), IsEmpty());
  EXPECT_EQ(responses[0].job().state(), v1::MEDIA_STATE_DONE);
}

TEST_F(MediaApiTest, DownloadStopsWhenTheClientIsGone) {
  Fetched("big", RandomBytes(3 * kMaxPiece, 9));
  std::vector<DownloadMediaResponse> responses;
  ASSERT_THAT(Download("big", 0, responses, /*stop_after=*/1), IsOk());
  EXPECT_THAT(responses, SizeIs(1));
  // The piece the client never took is not counted as sent.
  EXPECT_EQ(MetricValue(registry_, "media_downloaded_bytes_total"), 0);
}

TEST_F(MediaApiTest, DownloadOfAJobNotDoneIsAFailedPrecondition) {
  world_->source().Hold("held");
  ASSERT_THAT(world_->SubmitAll("ww1", {"held", "missing"}), IsOk());
  ASSERT_TRUE(world_->source().AwaitHeld("held"));
  ASSERT_TRUE(world_->AwaitState("ww1", "missing", v1::MEDIA_STATE_FAILED));
  for (const char* id : {"held", "missing"}) {
    std::vector<DownloadMediaResponse> responses;
    EXPECT_THAT(Download(id, 0, responses), StatusIs(absl::StatusCode::kFailedPrecondition));
    EXPECT_THAT(responses, IsEmpty());
  }
  world_->source().Release("held");
}

// A DONE job's blob must be whole: a short or missing blob is lost data, not
// the client's wrong offset nor an unknown id.
TEST_F(MediaApiTest, ABlobShorterThanItsJobIsDataLoss) {
  const MediaJob job = Fetched("big", RandomBytes(2 * kMaxPiece + 100, 10));
  const std::string path = world_->blobs().BlobPath(job.sha256());
  ASSERT_EQ(::truncate(path.c_str(), kMaxPiece + 10), 0);
  std::vector<DownloadMediaResponse> responses;
  EXPECT_THAT(Download("big", 0, responses), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(responses, SizeIs(1));  // the piece that was there
  responses.clear();
  EXPECT_THAT(Download("big", 2 * kMaxPiece, responses), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(responses, IsEmpty());
  ASSERT_EQ(::unlink(path.c_str()), 0);
  EXPECT_THAT(Download("big", 0, responses), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(responses, IsEmpty());
}

TEST_F(MediaApiTest, ListMediaPagesByDefaultBy100AndFiltersByState) {
  std::vector<MediaJob> jobs;
  for (int i = 0; i < 150; ++i) {
    MediaJob job = testing::NewJob("ww2", absl::StrCat("id", 1000 + i));
    job.set_state(i % 3 == 0 ? v1::MEDIA_STATE_FAILED : v1::MEDIA_STATE_QUEUED);
    jobs.push_back(std::move(job));
  }
  // Straight into the store: the scheduler does not run them.
  ASSERT_THAT(world_->store().CreateIfAbsent(jobs), IsOk());

  absl::StatusOr<v1::ListMediaResponse> first =
      api_->ListMedia(Parse<v1::ListMediaRequest>("corp_id: 'ww2'"));
  ASSERT_THAT(first, IsOk());
  EXPECT_THAT(first->jobs(), SizeIs(100));
  EXPECT_EQ(first->jobs(0).sdkfileid(), "id1000");
  ASSERT_THAT(first->next_page_token(), ::testing::Not(IsEmpty()));
  absl::StatusOr<v1::ListMediaResponse> second = api_->ListMedia(Parse<v1::ListMediaRequest>(
      absl::StrCat("corp_id: 'ww2' page_token: '", first->next_page_token(), "'")));
  ASSERT_THAT(second, IsOk());
  EXPECT_THAT(second->jobs(), SizeIs(50));
  EXPECT_EQ(second->jobs(0).sdkfileid(), "id1100");
  EXPECT_THAT(second->next_page_token(), IsEmpty());

  absl::StatusOr<v1::ListMediaResponse> failed = api_->ListMedia(
      Parse<v1::ListMediaRequest>("corp_id: 'ww2' state: MEDIA_STATE_FAILED page_size: 1000"));
  ASSERT_THAT(failed, IsOk());
  EXPECT_THAT(failed->jobs(), SizeIs(50));
  for (const MediaJob& job : failed->jobs()) EXPECT_EQ(job.state(), v1::MEDIA_STATE_FAILED);
  EXPECT_THAT(failed->next_page_token(), IsEmpty());

  absl::StatusOr<v1::ListMediaResponse> other =
      api_->ListMedia(Parse<v1::ListMediaRequest>("corp_id: 'ww1'"));
  ASSERT_THAT(other, IsOk());
  EXPECT_THAT(other->jobs(), IsEmpty());
}

TEST_F(MediaApiTest, RetryMediaRequeuesAFailedJobOnly) {
  ASSERT_THAT(world_->SubmitAll("ww1", {"flaky"}), IsOk());
  ASSERT_TRUE(world_->AwaitState("ww1", "flaky", v1::MEDIA_STATE_FAILED));
  world_->source().SetContent("flaky", "now it works");
  absl::StatusOr<v1::RetryMediaResponse> retried =
      api_->RetryMedia(Parse<v1::RetryMediaRequest>("corp_id: 'ww1' sdkfileid: 'flaky'"));
  ASSERT_THAT(retried, IsOk());
  EXPECT_EQ(retried->job().state(), v1::MEDIA_STATE_QUEUED);
  EXPECT_THAT(retried->job().error(), IsEmpty());
  ASSERT_TRUE(world_->AwaitState("ww1", "flaky", v1::MEDIA_STATE_DONE));
  EXPECT_THAT(api_->RetryMedia(Parse<v1::RetryMediaRequest>("corp_id: 'ww1' sdkfileid: 'flaky'")),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

}  // namespace
}  // namespace wecom::media
