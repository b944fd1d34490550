// MediaJobStore on RocksDB in a TempDir: single creation, the state index,
// pagination, corp isolation, and totals that survive a reopen.
#include "services/media/jobs/media_job_store.h"

#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/media/jobs/media_jobs_env.h"
#include "tests/support/temp_dir.h"

namespace wecom::media {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::StartsWith;
using v1::MediaJob;
using v1::MediaState;
using ::wecom::media::testing::kDone;
using ::wecom::media::testing::kFailed;
using ::wecom::media::testing::kFetching;
using ::wecom::media::testing::kQueued;
using ::wecom::media::testing::NewJob;
using ::wecom::media::testing::NonZero;
using ::wecom::testing::IsOk;
using ::wecom::testing::StatusIs;
using ::wecom::testing::TempDir;

constexpr MediaState kAny = v1::MEDIA_STATE_UNSPECIFIED;

MediaJob Job(const std::string& corp, const std::string& id, MediaState state = kQueued) {
  MediaJob job = NewJob(corp, id);
  job.set_state(state);
  return job;
}

MediaJob DoneJob(const std::string& corp, const std::string& id, const std::string& sha256,
                 uint64_t size) {
  MediaJob job = Job(corp, id, kDone);
  job.set_sha256(sha256);
  job.set_size(size);
  return job;
}

class MediaJobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TempDir> dir = TempDir::Create("media_job_store_test_");
    ASSERT_THAT(dir, IsOk());
    dir_ = std::make_unique<TempDir>(*std::move(dir));
    Reopen();
  }

  void Reopen() {
    store_.reset();  // RocksDB allows one open handle per directory
    absl::StatusOr<std::unique_ptr<MediaJobStore>> store = MediaJobStore::Open(dir_->path());
    ASSERT_THAT(store, IsOk());
    store_ = *std::move(store);
  }

  void Create(std::vector<MediaJob> jobs) {
    ASSERT_THAT(store_->CreateIfAbsent(std::move(jobs)), IsOk());
  }

  // Every page of `page_size` from the start, checking each token resumes.
  std::vector<std::string> ListAll(const std::string& corp, MediaState state, size_t page_size) {
    std::vector<std::string> ids;
    std::string token;
    for (int pages = 0; pages < 1000; ++pages) {
      absl::StatusOr<JobPage> page = store_->ListJobs(corp, state, page_size, token);
      EXPECT_THAT(page, IsOk());
      if (!page.ok()) break;
      EXPECT_LE(page->jobs.size(), page_size);
      for (const MediaJob& job : page->jobs) {
        EXPECT_EQ(job.corp_id(), corp);
        if (state != kAny) {
          EXPECT_EQ(job.state(), state);
        }
        ids.push_back(job.sdkfileid());
      }
      if (page->next_page_token.empty()) return ids;
      // A page that hands out a token is full: the last page has none.
      EXPECT_EQ(page->jobs.size(), page_size);
      token = page->next_page_token;
    }
    ADD_FAILURE() << "pagination did not end";
    return ids;
  }

  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<MediaJobStore> store_;
};

TEST_F(MediaJobStoreTest, CreateIfAbsentCreatesOnceAndReturnsTheStoredJob) {
  MediaJob first = Job("ww1", "file-a");
  first.set_expected_md5("00000000000000000000000000000001");
  absl::StatusOr<std::vector<std::pair<MediaJob, bool>>> created = store_->CreateIfAbsent({first});
  ASSERT_THAT(created, IsOk());
  ASSERT_EQ(created->size(), 1u);
  EXPECT_TRUE((*created)[0].second);

  // Later, and twice within one call, with other fields: the stored job wins.
  MediaJob again = Job("ww1", "file-a", kFailed);
  again.set_expected_md5("ffffffffffffffffffffffffffffffff");
  absl::StatusOr<std::vector<std::pair<MediaJob, bool>>> repeated =
      store_->CreateIfAbsent({again, Job("ww1", "file-b"), again, Job("ww1", "file-b", kFailed)});
  ASSERT_THAT(repeated, IsOk());
  ASSERT_EQ(repeated->size(), 4u);
  EXPECT_FALSE((*repeated)[0].second);
  EXPECT_EQ((*repeated)[0].first.expected_md5(), "00000000000000000000000000000001");
  EXPECT_EQ((*repeated)[0].first.state(), kQueued);
  EXPECT_TRUE((*repeated)[1].second);
  EXPECT_FALSE((*repeated)[2].second);
  EXPECT_EQ((*repeated)[2].first.expected_md5(), "00000000000000000000000000000001");
  EXPECT_FALSE((*repeated)[3].second);
  EXPECT_EQ((*repeated)[3].first.state(), kQueued);

  absl::StatusOr<MediaJob> stored = store_->Get("ww1", "file-a");
  ASSERT_THAT(stored, IsOk());
  EXPECT_EQ(stored->expected_md5(), "00000000000000000000000000000001");
  EXPECT_EQ(stored->state(), kQueued);
  EXPECT_THAT(store_->Counts(), ElementsAre(Pair(Pair("ww1", kQueued), 2u)));
}

TEST_F(MediaJobStoreTest, GetOfAnUnknownJobIsNotFound) {
  Create({Job("ww1", "file-a")});
  EXPECT_THAT(store_->Get("ww1", "file-b"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_->Get("ww2", "file-a"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_->Update(Job("ww1", "file-b", kDone)), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(MediaJobStoreTest, UpdateMovesTheJobBetweenStates) {
  Create({Job("ww1", "a"), Job("ww1", "b"), Job("ww1", "c")});
  ASSERT_THAT(store_->Update(Job("ww1", "b", kFetching)), IsOk());
  EXPECT_THAT(ListAll("ww1", kQueued, 10), ElementsAre("a", "c"));
  EXPECT_THAT(ListAll("ww1", kFetching, 10), ElementsAre("b"));

  ASSERT_THAT(store_->Update(Job("ww1", "b", kFailed)), IsOk());
  EXPECT_THAT(ListAll("ww1", kFetching, 10), IsEmpty());
  EXPECT_THAT(ListAll("ww1", kFailed, 10), ElementsAre("b"));
  EXPECT_THAT(ListAll("ww1", kAny, 10), ElementsAre("a", "b", "c"));
  absl::StatusOr<MediaJob> stored = store_->Get("ww1", "b");
  ASSERT_THAT(stored, IsOk());
  EXPECT_EQ(stored->state(), kFailed);
  EXPECT_THAT(NonZero(store_->Counts()),
              ElementsAre(Pair(Pair("ww1", kQueued), 2u), Pair(Pair("ww1", kFailed), 1u)));
}

TEST_F(MediaJobStoreTest, EveryPageSizeListsEveryJobOnceInOrder) {
  // In byte order, with ids that extend the previous one by the lowest bytes:
  // a page token must resume right after its id, not skip or repeat one.
  const std::vector<std::string> ids = {
      "a", std::string("a\0", 2), "a\x01", "ab", "b", "b0", "c", "c\x7f", "d"};
  std::vector<MediaJob> jobs;
  std::vector<std::string> queued, done;
  for (size_t i = 0; i < ids.size(); ++i) {
    jobs.push_back(Job("ww1", ids[i], i % 2 == 0 ? kQueued : kDone));
    (i % 2 == 0 ? queued : done).push_back(ids[i]);
  }
  // Stored in reverse: the order listed is the store's, not the creation's.
  Create({jobs.rbegin(), jobs.rend()});
  for (size_t page_size = 1; page_size <= ids.size() + 1; ++page_size) {
    SCOPED_TRACE(absl::StrCat("page_size ", page_size));
    EXPECT_EQ(ListAll("ww1", kAny, page_size), ids);
    EXPECT_EQ(ListAll("ww1", kQueued, page_size), queued);
    EXPECT_EQ(ListAll("ww1", kDone, page_size), done);
  }
}

TEST_F(MediaJobStoreTest, AnEmptyListHasNoToken) {
  absl::StatusOr<JobPage> page = store_->ListJobs("ww1", kAny, 10, "");
  ASSERT_THAT(page, IsOk());
  EXPECT_THAT(page->jobs, IsEmpty());
  EXPECT_THAT(page->next_page_token, IsEmpty());
}

TEST_F(MediaJobStoreTest, CorpsWhoseIdsArePrefixesOfEachOtherStayApart) {
  Create({Job("ww1", "2x"), Job("ww12", "x"), Job("ww1", "a"), Job("ww12", "a", kDone),
          Job("ww", "12a")});
  EXPECT_THAT(ListAll("ww1", kAny, 1), ElementsAre("2x", "a"));
  EXPECT_THAT(ListAll("ww12", kAny, 1), ElementsAre("a", "x"));
  EXPECT_THAT(ListAll("ww", kAny, 1), ElementsAre("12a"));
  EXPECT_THAT(ListAll("ww1", kQueued, 1), ElementsAre("2x", "a"));
  EXPECT_THAT(ListAll("ww12", kQueued, 1), ElementsAre("x"));
  EXPECT_THAT(ListAll("ww1", kDone, 1), IsEmpty());
  EXPECT_THAT(store_->Get("ww1", "2x"), IsOk());
  EXPECT_THAT(store_->Get("ww12", "2x"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_->Get("ww", "122x"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(NonZero(store_->Counts()),
              ElementsAre(Pair(Pair("ww", kQueued), 1u), Pair(Pair("ww1", kQueued), 2u),
                          Pair(Pair("ww12", kQueued), 1u), Pair(Pair("ww12", kDone), 1u)));
}

TEST_F(MediaJobStoreTest, AMalformedPageTokenIsNamed) {
  Create({Job("ww1", "a")});
  // Not base64; a version byte alone; the wrong version.
  for (const char* token : {"%%%", "AQ", "AmE"}) {
    SCOPED_TRACE(token);
    EXPECT_THAT(store_->ListJobs("ww1", kAny, 10, token),
                StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("page_token")));
  }
  EXPECT_THAT(store_->ListJobs("ww1", kAny, 0, ""), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(MediaJobStoreTest, CountsFollowCreatesAndUpdatesAndSurviveAReopen) {
  Create({Job("ww1", "a"), Job("ww1", "b"), Job("ww1", "c"), Job("ww2", "a"),
          Job("ww2", "z", kFetching)});
  ASSERT_THAT(store_->Update(Job("ww1", "a", kFetching)), IsOk());
  ASSERT_THAT(store_->Update(DoneJob("ww1", "a", std::string(64, 'a'), 10)), IsOk());
  ASSERT_THAT(store_->Update(Job("ww1", "b", kFailed)), IsOk());
  ASSERT_THAT(store_->Update(Job("ww2", "z", kQueued)), IsOk());
  const JobCounts expected = {
      {{"ww1", kQueued}, 1}, {{"ww1", kDone}, 1}, {{"ww1", kFailed}, 1}, {{"ww2", kQueued}, 2}};
  // A state that emptied stays at zero, so that its gauge drops to 0.
  EXPECT_EQ(store_->Counts().at({"ww2", kFetching}), 0u);
  EXPECT_EQ(NonZero(store_->Counts()), expected);
  Reopen();
  EXPECT_EQ(NonZero(store_->Counts()), expected);
}

TEST_F(MediaJobStoreTest, ABlobSharedByTwoJobsIsCountedOnceAndSurvivesAReopen) {
  const std::string shared(64, 'a');
  const std::string other(64, 'b');
  Create({Job("ww1", "x"), Job("ww1", "y"), Job("ww2", "x"), Job("ww2", "w")});
  ASSERT_THAT(store_->Update(DoneJob("ww1", "x", shared, 100)), IsOk());
  ASSERT_THAT(store_->Update(DoneJob("ww2", "x", shared, 100)), IsOk());
  ASSERT_THAT(store_->Update(DoneJob("ww1", "y", other, 7)), IsOk());
  // The same job stored DONE again does not add its blob twice.
  ASSERT_THAT(store_->Update(DoneJob("ww1", "y", other, 7)), IsOk());
  ASSERT_THAT(store_->Update(Job("ww2", "w", kFailed)), IsOk());
  EXPECT_EQ(store_->BlobCount(), 2u);
  EXPECT_EQ(store_->BlobBytes(), 107u);
  Reopen();
  EXPECT_EQ(store_->BlobCount(), 2u);
  EXPECT_EQ(store_->BlobBytes(), 107u);
  ASSERT_THAT(store_->Update(DoneJob("ww2", "w", other, 7)), IsOk());
  EXPECT_EQ(store_->BlobCount(), 2u);
  EXPECT_EQ(store_->BlobBytes(), 107u);
}

TEST_F(MediaJobStoreTest, ForEachInStateVisitsEveryCorpsJobsInThatState) {
  Create({Job("ww1", "a"), Job("ww1", "b", kFetching), Job("ww12", "c"), Job("ww2", "d", kDone)});
  ASSERT_THAT(store_->Update(Job("ww2", "d", kQueued)), IsOk());
  std::set<std::pair<std::string, std::string>> queued;
  ASSERT_THAT(store_->ForEachInState(kQueued,
                                     [&](const MediaJob& job) {
                                       EXPECT_EQ(job.state(), kQueued);
                                       queued.emplace(job.corp_id(), job.sdkfileid());
                                     }),
              IsOk());
  EXPECT_THAT(queued, ElementsAre(Pair("ww1", "a"), Pair("ww12", "c"), Pair("ww2", "d")));
  int failed = 0;
  ASSERT_THAT(store_->ForEachInState(kFailed, [&](const MediaJob&) { ++failed; }), IsOk());
  EXPECT_EQ(failed, 0);
}

}  // namespace
}  // namespace wecom::media
