// FetchScheduler with a real MediaFetcher over a scripted chunk source and a
// LocalBlobStore: single flight, the caps, corps taken in turn, Retry, a
// restart's requeueing, Stop mid-fetch, and what the observer is told. Tests
// hold fetches in the source to order events; nothing sleeps.
#include "services/media/jobs/fetch_scheduler.h"

#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/media/blob/blob_test_files.h"
#include "tests/media/jobs/media_jobs_env.h"

namespace wecom::media {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using v1::MediaJob;
using ::wecom::media::testing::kDone;
using ::wecom::media::testing::kFailed;
using ::wecom::media::testing::kFetching;
using ::wecom::media::testing::kQueued;
using ::wecom::media::testing::NewJob;
using ::wecom::media::testing::NonZero;
using ::wecom::media::testing::RandomBytes;
using ::wecom::media::testing::ReturnsInTime;
using ::wecom::media::testing::SchedulerWorld;
using ::wecom::media::testing::Sha256Hex;
using ::wecom::testing::IsOk;
using ::wecom::testing::StatusIs;

class FetchSchedulerTest : public ::testing::Test {
 protected:
  // world_ with a scheduler that runs `concurrency` fetches at once, at most
  // `per_corp_concurrency` of one corp.
  void MakeWorld(int concurrency, int per_corp_concurrency) {
    absl::StatusOr<std::unique_ptr<SchedulerWorld>> world = SchedulerWorld::Create(
        {.concurrency = concurrency, .per_corp_concurrency = per_corp_concurrency});
    ASSERT_THAT(world, IsOk());
    world_ = *std::move(world);
  }

  testing::ScriptedChunkSource& source() { return world_->source(); }

  std::unique_ptr<SchedulerWorld> world_;
};

TEST_F(FetchSchedulerTest, AFetchedJobIsDoneWithItsDigestsAndItsBlobStored) {
  ASSERT_NO_FATAL_FAILURE(MakeWorld(2, 2));
  // Three pieces.
  const std::string bytes = RandomBytes(2 * testing::kMaxPiece + 17, 1);
  source().SetContent("img", bytes);
  ASSERT_THAT(world_->scheduler().Start(), IsOk());
  ASSERT_THAT(world_->SubmitAll("ww1", {"img"}), IsOk());
  ASSERT_TRUE(world_->AwaitState("ww1", "img", kDone));
  absl::StatusOr<MediaJob> job = world_->store().Get("ww1", "img");
  ASSERT_THAT(job, IsOk());
  EXPECT_EQ(job->sha256(), Sha256Hex(bytes));
  EXPECT_EQ(job->size(), bytes.size());
  EXPECT_EQ(job->md5().size(), 32u);
  EXPECT_EQ(job->attempts(), 1u);
  EXPECT_EQ(source().Calls("img"), 3);
  absl::StatusOr<std::string> stored = world_->blobs().Read(job->sha256(), 0, bytes.size() + 1);
  ASSERT_THAT(stored, IsOk());
  EXPECT_TRUE(*stored == bytes);
}

TEST_F(FetchSchedulerTest, AFailedFetchIsStoredWithItsReasonAndError) {
  ASSERT_NO_FATAL_FAILURE(MakeWorld(1, 1));
  ASSERT_THAT(world_->scheduler().Start(), IsOk());
  // The source has no bytes for it: SDK 10005, final.
  ASSERT_THAT(world_->SubmitAll("ww1", {"gone"}), IsOk());
  ASSERT_TRUE(world_->AwaitState("ww1", "gone", kFailed));
  absl::StatusOr<MediaJob> job = world_->store().Get("ww1", "gone");
  ASSERT_THAT(job, IsOk());
  EXPECT_EQ(job->failure(), v1::FAILURE_REASON_VENDOR_ERROR);
  EXPECT_THAT(job->error(), HasSubstr("no such sdkfileid"));
  EXPECT_EQ(job->vendor_error().code(), 10005);
  EXPECT_EQ(job->attempts(), 1u);
  EXPECT_EQ(world_->store().BlobCount(), 0u);
}

TEST_F(FetchSchedulerTest, ConcurrentSubmitsOfOneIdCreateOneJobAndFetchOnce) {
  ASSERT_NO_FATAL_FAILURE(MakeWorld(4, 4));
  source().SetContent("same", "the bytes");
  source().SetContent("other", "other bytes");
  ASSERT_THAT(world_->scheduler().Start(), IsOk());
  constexpr int kThreads = 16;
  absl::Notification go;
  std::vector<int> created(kThreads, 0);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      go.WaitForNotification();
      // Each call names the id twice, and another id too.
      auto stored = world_->scheduler().Submit(
          {NewJob("ww1", "same"), NewJob("ww1", "other"), NewJob("ww1", "same")});
      ASSERT_THAT(stored, IsOk());
      for (const auto& [job, was_created] : *stored) {
        if (job.sdkfileid() == "same") created[i] += was_created ? 1 : 0;
      }
    });
  }
  go.Notify();
  for (std::thread& thread : threads) thread.join();
  int total = 0;
  for (int n : created) total += n;
  EXPECT_EQ(total, 1);
  ASSERT_TRUE(world_->AwaitState("ww1", "same", kDone));
  ASSERT_TRUE(world_->AwaitState("ww1", "other", kDone));
  world_->scheduler().Stop();
  EXPECT_EQ(source().Calls("same"), 1);
  EXPECT_EQ(source().Calls("other"), 1);
  EXPECT_EQ(world_->observer().depth("ww1"), 0);
}

TEST_F(FetchSchedulerTest, ACorpRunsNoMoreThanItsCapWhileOthersUseTheFreeSlots) {
  ASSERT_NO_FATAL_FAILURE(MakeWorld(2, 1));
  for (const char* id : {"a1", "a2", "b1", "b2"}) {
    source().SetContent(id, id);
    source().Hold(id);
  }
  ASSERT_THAT(world_->scheduler().Start(), IsOk());
  ASSERT_THAT(world_->SubmitAll("A", {"a1", "a2"}), IsOk());
  ASSERT_THAT(world_->SubmitAll("B", {"b1"}), IsOk());
  ASSERT_TRUE(source().AwaitHeld("a1"));
  ASSERT_TRUE(source().AwaitHeld("b1"));
  // The slot b1 frees must not go to a2 while a1 runs: b2, submitted after,
  // gets it. (With A over its cap, that worker would be held in a2.)
  source().Release("b1");
  ASSERT_TRUE(world_->AwaitState("B", "b1", kDone));
  ASSERT_THAT(world_->SubmitAll("B", {"b2"}), IsOk());
  ASSERT_TRUE(source().AwaitHeld("b2"));
  EXPECT_EQ(source().Calls("a2"), 0);
  EXPECT_EQ(world_->StateOf("A", "a2"), kQueued);
  source().Release("a1");
  ASSERT_TRUE(source().AwaitHeld("a2"));
  source().Release("a2");
  source().Release("b2");
  for (const auto& [corp, id] : {std::pair{"A", "a1"}, {"A", "a2"}, {"B", "b2"}}) {
    ASSERT_TRUE(world_->AwaitState(corp, id, kDone)) << id;
  }
  EXPECT_EQ(source().MaxInFlight("A"), 1);
  EXPECT_EQ(source().MaxInFlight("B"), 1);
  EXPECT_EQ(source().MaxInFlight(), 2);
}

TEST_F(FetchSchedulerTest, NoMoreThanTheGlobalCapRunAtOnce) {
  ASSERT_NO_FATAL_FAILURE(MakeWorld(2, 8));
  const std::vector<std::string> ids = {"j1", "j2", "j3", "j4"};
  for (const std::string& id : ids) {
    source().SetContent(id, id);
    source().Hold(id);
  }
  ASSERT_THAT(world_->scheduler().Start(), IsOk());
  ASSERT_THAT(world_->SubmitAll("A", ids), IsOk());
  // One corp, jobs taken in order: two run, the rest wait for a slot. (A
  // scheduler that ran more would start j3 while j1 and j2 are held; it is
  // caught when j3 gets there before j1 is released, as it nearly always does.)
  for (size_t next = 0; next < ids.size(); ++next) {
    ASSERT_TRUE(source().AwaitHeld(ids[next]));
    if (next >= 1) source().Release(ids[next - 1]);
  }
  source().Release(ids.back());
  for (const std::string& id : ids) ASSERT_TRUE(world_->AwaitState("A", id, kDone)) << id;
  EXPECT_EQ(source().MaxInFlight(), 2);
}

TEST_F(FetchSchedulerTest, CorpsAreTakenInTurn) {
  ASSERT_NO_FATAL_FAILURE(MakeWorld(1, 4));
  for (const char* id : {"a1", "a2", "a3", "a4", "b1", "b2", "c1"}) source().SetContent(id, id);
  source().Hold("a1");
  ASSERT_THAT(world_->scheduler().Start(), IsOk());
  ASSERT_THAT(world_->SubmitAll("A", {"a1", "a2", "a3", "a4"}), IsOk());
  ASSERT_TRUE(source().AwaitHeld("a1"));
  // Queued behind A's backlog while the only worker is busy.
  ASSERT_THAT(world_->SubmitAll("C", {"c1"}), IsOk());
  ASSERT_THAT(world_->SubmitAll("B", {"b1", "b2"}), IsOk());
  source().Release("a1");
  ASSERT_TRUE(world_->AwaitState("A", "a4", kDone));
  ASSERT_TRUE(world_->observer().WaitUntil([&] { return source().Started().size() == 7; }));
  EXPECT_THAT(source().Started(), ElementsAre("a1", "b1", "c1", "a2", "b2", "a3", "a4"));
}

TEST_F(FetchSchedulerTest, RetryRequeuesOnlyAFailedJobWithItsFailureCleared) {
  ASSERT_NO_FATAL_FAILURE(MakeWorld(2, 2));
  source().SetContent("ok", "fine");
  source().SetContent("waiting", "later");
  source().Hold("waiting");
  ASSERT_THAT(world_->scheduler().Start(), IsOk());
  ASSERT_THAT(world_->SubmitAll("ww1", {"bad", "ok", "waiting"}), IsOk());
  ASSERT_TRUE(world_->AwaitState("ww1", "bad", kFailed));
  ASSERT_TRUE(world_->AwaitState("ww1", "ok", kDone));
  ASSERT_TRUE(source().AwaitHeld("waiting"));

  FetchScheduler& scheduler = world_->scheduler();
  EXPECT_THAT(scheduler.Retry("ww1", "ok"), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(scheduler.Retry("ww1", "waiting"), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(scheduler.Retry("ww1", "unknown"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(scheduler.Retry("ww2", "bad"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(source().Calls("ok"), 1);
  source().Release("waiting");

  // The vendor has the object now.
  source().SetContent("bad", "recovered");
  source().Hold("bad");
  absl::StatusOr<MediaJob> retried = scheduler.Retry("ww1", "bad");
  ASSERT_THAT(retried, IsOk());
  EXPECT_EQ(retried->state(), kQueued);
  EXPECT_EQ(retried->failure(), v1::FAILURE_REASON_UNSPECIFIED);
  EXPECT_THAT(retried->error(), IsEmpty());
  EXPECT_FALSE(retried->has_vendor_error());
  ASSERT_TRUE(source().AwaitHeld("bad"));
  // Running again: a second Retry finds it in flight.
  EXPECT_THAT(scheduler.Retry("ww1", "bad"), StatusIs(absl::StatusCode::kFailedPrecondition));
  source().Release("bad");
  ASSERT_TRUE(world_->AwaitState("ww1", "bad", kDone));
  absl::StatusOr<MediaJob> done = world_->store().Get("ww1", "bad");
  ASSERT_THAT(done, IsOk());
  EXPECT_EQ(done->sha256(), Sha256Hex("recovered"));
  EXPECT_EQ(done->failure(), v1::FAILURE_REASON_UNSPECIFIED);
  EXPECT_THAT(done->error(), IsEmpty());
  EXPECT_FALSE(done->has_vendor_error());
  EXPECT_EQ(done->attempts(), 2u);  // one per fetch
  EXPECT_EQ(source().Calls("bad"), 2);
}

TEST_F(FetchSchedulerTest, StartRequeuesWhatThePreviousRunLeftQueuedOrFetching) {
  ASSERT_NO_FATAL_FAILURE(MakeWorld(1, 1));
  // As a killed process leaves them; created_at orders the requeue.
  auto job = [](const std::string& id, v1::MediaState state, int64_t created_at_ms) {
    MediaJob job = NewJob("ww1", id);
    job.set_state(state);
    job.set_created_at_ms(created_at_ms);
    return job;
  };
  ASSERT_THAT(
      world_->store().CreateIfAbsent(
          {job("queued-late", kQueued, 30), job("fetching", kFetching, 20),
           job("queued-early", kQueued, 10), job("failed", kFailed, 5), job("done", kDone, 1)}),
      IsOk());
  for (const char* id : {"queued-late", "fetching", "queued-early", "failed", "done"}) {
    source().SetContent(id, id);
  }
  ASSERT_THAT(world_->scheduler().Start(), IsOk());
  for (const char* id : {"queued-late", "fetching", "queued-early"}) {
    ASSERT_TRUE(world_->AwaitState("ww1", id, kDone)) << id;
  }
  EXPECT_THAT(source().Started(), ElementsAre("queued-early", "fetching", "queued-late"));
  EXPECT_EQ(world_->StateOf("ww1", "failed"), kFailed);
  EXPECT_EQ(world_->StateOf("ww1", "done"), kDone);
  EXPECT_THAT(NonZero(world_->store().Counts()),
              ElementsAre(Pair(Pair("ww1", kDone), 4u), Pair(Pair("ww1", kFailed), 1u)));
}

TEST_F(FetchSchedulerTest, StopCancelsARunningFetchAndTheJobIsQueuedForTheNextStart) {
  ASSERT_NO_FATAL_FAILURE(MakeWorld(2, 2));
  source().SetContent("slow", "slow bytes");
  source().SetContent("next", "next bytes");
  // Held, then a transient error: the fetch backs off on the fake clock,
  // which never moves, so only a cancel ends it.
  source().Hold("slow", absl::UnavailableError("archive restarting"));
  ASSERT_THAT(world_->scheduler().Start(), IsOk());
  ASSERT_THAT(world_->SubmitAll("ww1", {"slow"}), IsOk());
  ASSERT_TRUE(source().AwaitHeld("slow"));
  EXPECT_EQ(world_->StateOf("ww1", "slow"), kFetching);
  // Released before or after Stop cancels, the fetch ends cancelled.
  std::thread release([&] { source().Release("slow"); });
  ReturnsInTime([&] { world_->scheduler().Stop(); });
  release.join();
  EXPECT_EQ(world_->StateOf("ww1", "slow"), kQueued);
  // Submitted while stopped: stored, and fetched by the next run.
  ASSERT_THAT(world_->SubmitAll("ww1", {"next"}), IsOk());

  world_->RestartScheduler();
  ASSERT_THAT(world_->scheduler().Start(), IsOk());
  ASSERT_TRUE(world_->AwaitState("ww1", "slow", kDone));
  ASSERT_TRUE(world_->AwaitState("ww1", "next", kDone));
  EXPECT_EQ(source().Calls("next"), 1);
}

TEST_F(FetchSchedulerTest, TheObserverSeesCountsBlobsAndQueueDepth) {
  ASSERT_NO_FATAL_FAILURE(MakeWorld(1, 1));
  // Two ids with the same bytes share a blob.
  source().SetContent("x", "shared");
  source().SetContent("y", "shared");
  source().SetContent("z", "own");
  source().Hold("x");
  ASSERT_THAT(world_->scheduler().Start(), IsOk());
  ASSERT_THAT(world_->SubmitAll("ww1", {"x", "y", "z", "missing"}), IsOk());
  ASSERT_TRUE(source().AwaitHeld("x"));
  testing::RecordingJobObserver& observer = world_->observer();
  EXPECT_EQ(observer.depth("ww1"), 3);
  EXPECT_EQ(NonZero(observer.counts()),
            (JobCounts{{{"ww1", kQueued}, 3}, {{"ww1", kFetching}, 1}}));
  EXPECT_EQ(observer.blob_count(), 0u);
  source().Release("x");
  ASSERT_TRUE(world_->AwaitState("ww1", "missing", kFailed));
  world_->scheduler().Stop();
  EXPECT_EQ(observer.depth("ww1"), 0);
  EXPECT_EQ(NonZero(observer.counts()), (JobCounts{{{"ww1", kDone}, 3}, {{"ww1", kFailed}, 1}}));
  EXPECT_EQ(observer.counts().at({"ww1", kQueued}), 0u);
  EXPECT_EQ(observer.blob_count(), 2u);
  EXPECT_EQ(observer.blob_bytes(), std::string("shared").size() + std::string("own").size());
}

}  // namespace
}  // namespace wecom::media
