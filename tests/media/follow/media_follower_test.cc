// MediaFollower over a scripted ArchiveFeed: every media reference of every
// event is queued before the events are acknowledged, nothing is acknowledged
// that was not stored, a failed stream is reopened after a backoff on a
// FakeClock, and Stop ends a blocked Read. The scheduler is not started, so
// queued jobs stay QUEUED where the test can see them.
#include "services/media/follow/media_follower.h"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "tests/media/jobs/media_jobs_env.h"

namespace wecom::media {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::wecom::archive::v1::StreamMessagesResponse;
using ::wecom::media::testing::kWait;
using ::wecom::media::testing::NonZero;
using ::wecom::media::testing::SchedulerWorld;
using ::wecom::testing::IsOk;

constexpr char kCorp[] = "ww1";
constexpr char kConsumer[] = "media-test";

StreamMessagesResponse Response(const std::string& text) {
  StreamMessagesResponse response;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &response)) << text;
  return response;
}

// One archived message at `position` carrying media `sdkfileids`, in the
// text format of a StreamEvent.
std::string Event(uint64_t position, const std::string& msgid,
                  const std::vector<std::string>& sdkfileids,
                  const std::string& kind = "KIND_ARCHIVED") {
  std::string media;
  for (const std::string& id : sdkfileids) {
    absl::StrAppend(&media, "media { sdkfileid: '", id, "' kind: 'image' ext: 'jpg' } ");
  }
  return absl::StrCat("events { kind: ", kind, " position: ", position, " message { msgid: '",
                      msgid, "' message { ", media, "} } } ");
}

// An ArchiveFeed whose streams are scripted: each Subscribe serves the next
// script's responses, then ends the stream with its `end`, or without one
// stays open until cancelled. Acks are recorded, or fail when told to.
class ScriptedFeed final : public ArchiveFeed {
 public:
  // ({} initialisers keep designated initialisers free of
  // -Wmissing-field-initializers.)
  struct Stream {
    std::vector<StreamMessagesResponse> responses{};
    std::optional<absl::Status> end{};
  };

  void AddStream(Stream stream) {
    absl::MutexLock lock(&mu_);
    scripts_.push_back(std::move(stream));
  }

  void FailNextAck(absl::Status error) {
    absl::MutexLock lock(&mu_);
    ack_error_ = std::move(error);
  }

  // Called in Ack before it answers, e.g. to look at the store.
  void OnAck(std::function<void(uint64_t)> hook) {
    absl::MutexLock lock(&mu_);
    on_ack_ = std::move(hook);
  }

  std::unique_ptr<Subscription> Subscribe(const std::string& corp_id,
                                          const std::string& consumer) override {
    absl::MutexLock lock(&mu_);
    subscribers_.emplace_back(corp_id, consumer);
    Stream script;  // none left: an open stream with nothing to send
    if (scripts_.size() >= subscribers_.size()) script = scripts_[subscribers_.size() - 1];
    return std::make_unique<ScriptedSubscription>(this, std::move(script));
  }

  absl::Status Ack(const std::string& corp_id, const std::string& consumer,
                   uint64_t position) override {
    std::function<void(uint64_t)> hook;
    {
      absl::MutexLock lock(&mu_);
      hook = on_ack_;
    }
    if (hook) hook(position);
    absl::MutexLock lock(&mu_);
    EXPECT_EQ(corp_id, kCorp);
    EXPECT_EQ(consumer, kConsumer);
    ++ack_calls_;
    if (absl::Status error = std::exchange(ack_error_, absl::OkStatus()); !error.ok()) return error;
    acks_.push_back(position);
    return absl::OkStatus();
  }

  bool AwaitSubscriptions(size_t n) { return AwaitCount(&subscribers_, n); }
  bool AwaitAcks(size_t n) { return AwaitCount(&acks_, n); }
  // Waits until the open stream has sent everything and waits in Read.
  bool AwaitBlockedRead() {
    absl::MutexLock lock(&mu_);
    auto blocked = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return blocked_reads_ > 0; };
    return mu_.AwaitWithTimeout(absl::Condition(&blocked), kWait);
  }

  std::vector<uint64_t> acks() const {
    absl::MutexLock lock(&mu_);
    return acks_;
  }
  int ack_calls() const {
    absl::MutexLock lock(&mu_);
    return ack_calls_;
  }
  std::vector<std::pair<std::string, std::string>> subscribers() const {
    absl::MutexLock lock(&mu_);
    return subscribers_;
  }
  int cancels() const {
    absl::MutexLock lock(&mu_);
    return cancels_;
  }

 private:
  class ScriptedSubscription final : public Subscription {
   public:
    ScriptedSubscription(ScriptedFeed* feed, Stream script)
        : feed_(feed), script_(std::move(script)) {}

    bool Read(StreamMessagesResponse* response) override {
      absl::MutexLock lock(&feed_->mu_);
      if (cancelled_) return false;
      if (next_ < script_.responses.size()) {
        *response = script_.responses[next_++];
        return true;
      }
      if (script_.end.has_value()) return false;
      ++feed_->blocked_reads_;
      feed_->mu_.Await(absl::Condition(&cancelled_));
      --feed_->blocked_reads_;
      return false;
    }

    absl::Status Finish() override {
      absl::MutexLock lock(&feed_->mu_);
      if (cancelled_) return absl::CancelledError("cancelled");
      return script_.end.value_or(absl::OkStatus());
    }

    void Cancel() override {
      absl::MutexLock lock(&feed_->mu_);
      if (!cancelled_) ++feed_->cancels_;
      cancelled_ = true;
    }

   private:
    ScriptedFeed* const feed_;
    const Stream script_;
    size_t next_ = 0;
    bool cancelled_ = false;  // guarded by feed_->mu_
  };

  template <typename T>
  bool AwaitCount(const std::vector<T>* items, size_t n) {
    absl::MutexLock lock(&mu_);
    auto reached = [items, n]() { return items->size() >= n; };
    return mu_.AwaitWithTimeout(absl::Condition(&reached), kWait);
  }

  mutable absl::Mutex mu_;
  std::vector<Stream> scripts_ ABSL_GUARDED_BY(mu_);
  std::vector<std::pair<std::string, std::string>> subscribers_ ABSL_GUARDED_BY(mu_);
  std::vector<uint64_t> acks_ ABSL_GUARDED_BY(mu_);
  int ack_calls_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status ack_error_ ABSL_GUARDED_BY(mu_);
  std::function<void(uint64_t)> on_ack_ ABSL_GUARDED_BY(mu_);
  int blocked_reads_ ABSL_GUARDED_BY(mu_) = 0;
  int cancels_ ABSL_GUARDED_BY(mu_) = 0;
};

class MediaFollowerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<SchedulerWorld>> world = SchedulerWorld::Create({});
    ASSERT_THAT(world, IsOk());
    world_ = *std::move(world);
    follower_ = std::make_unique<MediaFollower>(
        &feed_, &world_->scheduler(), &world_->clock(),
        MediaFollowerOptions{.corp_id = kCorp,
                             .consumer = kConsumer,
                             .reconnect = {.initial = absl::Seconds(1), .max = absl::Seconds(1)},
                             .on_acked = [this](uint64_t position) {
                               absl::MutexLock lock(&mu_);
                               on_acked_.push_back(position);
                             }});
  }

  void TearDown() override {
    if (follower_ != nullptr) Stop();
  }

  void Stop() {
    testing::ReturnsInTime([this] { follower_->Stop(); });
  }

  // Waits until the follower sleeps before reconnecting.
  bool AwaitReconnectBackoff() {
    const absl::Time deadline = absl::Now() + kWait;
    while (world_->clock().sleepers() == 0) {
      if (absl::Now() > deadline) return false;
      std::this_thread::yield();
    }
    return true;
  }

  // The sdkfileids the store holds for the corp.
  std::vector<std::string> StoredIds() {
    absl::StatusOr<JobPage> page =
        world_->store().ListJobs(kCorp, v1::MEDIA_STATE_UNSPECIFIED, 1000, "");
    EXPECT_THAT(page, IsOk());
    std::vector<std::string> ids;
    if (page.ok()) {
      for (const v1::MediaJob& job : page->jobs) ids.push_back(job.sdkfileid());
    }
    return ids;
  }

  // The job's status in the store: NOT_FOUND when absent.
  absl::StatusCode Lookup(const std::string& sdkfileid) {
    return world_->store().Get(kCorp, sdkfileid).status().code();
  }

  std::vector<uint64_t> OnAcked() {
    absl::MutexLock lock(&mu_);
    return on_acked_;
  }

  ScriptedFeed feed_;
  std::unique_ptr<SchedulerWorld> world_;
  std::unique_ptr<MediaFollower> follower_;
  absl::Mutex mu_;
  std::vector<uint64_t> on_acked_ ABSL_GUARDED_BY(mu_);
};

TEST_F(MediaFollowerTest, QueuesEveryMediaOfEveryEventBeforeAckingTheLastPosition) {
  // What the store holds when each ack is sent.
  std::map<uint64_t, std::vector<std::string>> stored_at_ack;
  feed_.OnAck([&](uint64_t position) { stored_at_ack[position] = StoredIds(); });
  feed_.AddStream({.responses = {
                       Response(Event(1, "m1", {"img1", "file1"}) +
                                Event(2, "m2", {"voice1"}, "KIND_RECOVERED") + Event(3, "m3", {})),
                       Response(Event(4, "m4", {"img1", "video1"}) +
                                "events { kind: KIND_CAUGHT_UP position: 4 }"),
                   }});
  follower_->Start();
  ASSERT_TRUE(feed_.AwaitAcks(2));
  ASSERT_TRUE(feed_.AwaitBlockedRead());
  EXPECT_THAT(feed_.acks(), ElementsAre(3, 4));
  EXPECT_THAT(OnAcked(), ElementsAre(3, 4));
  EXPECT_THAT(stored_at_ack,
              ElementsAre(Pair(3, ElementsAre("file1", "img1", "voice1")),
                          Pair(4, ElementsAre("file1", "img1", "video1", "voice1"))));
  EXPECT_THAT(feed_.subscribers(), ElementsAre(Pair(kCorp, kConsumer)));

  absl::StatusOr<v1::MediaJob> img = world_->store().Get(kCorp, "img1");
  ASSERT_THAT(img, IsOk());
  EXPECT_EQ(img->msgid(), "m1");  // the first message that referred to it
  EXPECT_EQ(img->state(), v1::MEDIA_STATE_QUEUED);
  EXPECT_EQ(img->kind(), "image");
  EXPECT_EQ(img->mime_type(), "image/jpeg");
  absl::StatusOr<v1::MediaJob> voice = world_->store().Get(kCorp, "voice1");
  ASSERT_THAT(voice, IsOk());
  EXPECT_EQ(voice->msgid(), "m2");
}

TEST_F(MediaFollowerTest, ABadReferenceIsSkippedAndTheRestQueuedAndAcked) {
  feed_.AddStream({.responses = {Response(
                       "events { kind: KIND_ARCHIVED position: 7 message { msgid: 'm7' message {"
                       "  media { sdkfileid: 'bad' ext: '../../etc' }"
                       "  media { sdkfileid: 'good' ext: 'png' } } } }")}});
  follower_->Start();
  ASSERT_TRUE(feed_.AwaitAcks(1));
  EXPECT_THAT(feed_.acks(), ElementsAre(7));
  EXPECT_THAT(StoredIds(), ElementsAre("good"));
}

TEST_F(MediaFollowerTest, CaughtUpOnAnEmptyArchiveIsNotAcked) {
  feed_.AddStream({.responses = {Response("events { kind: KIND_CAUGHT_UP position: 0 }"),
                                 Response(Event(1, "m1", {})), Response(Event(2, "m2", {"a"}))}});
  follower_->Start();
  ASSERT_TRUE(feed_.AwaitAcks(2));
  ASSERT_TRUE(feed_.AwaitBlockedRead());
  // A message without media is acked too: the cursor moves past it.
  EXPECT_THAT(feed_.acks(), ElementsAre(1, 2));
  EXPECT_EQ(feed_.ack_calls(), 2);
}

TEST_F(MediaFollowerTest, AFailedAckReconnectsAfterTheBackoffAndTheEventsComeAgain) {
  const StreamMessagesResponse response = Response(Event(1, "m1", {"a"}));
  feed_.AddStream({.responses = {response}});
  feed_.AddStream({.responses = {response}});  // not acked: served again
  feed_.FailNextAck(absl::UnavailableError("archive restarting"));
  follower_->Start();
  ASSERT_TRUE(AwaitReconnectBackoff());
  EXPECT_THAT(feed_.acks(), IsEmpty());
  EXPECT_EQ(feed_.ack_calls(), 1);
  EXPECT_EQ(feed_.cancels(), 1);
  EXPECT_EQ(feed_.subscribers().size(), 1u);
  EXPECT_THAT(OnAcked(), IsEmpty());

  world_->clock().Advance(absl::Seconds(1));
  ASSERT_TRUE(feed_.AwaitAcks(1));
  EXPECT_THAT(feed_.acks(), ElementsAre(1));
  EXPECT_EQ(feed_.subscribers().size(), 2u);
  EXPECT_THAT(StoredIds(), ElementsAre("a"));
  EXPECT_THAT(NonZero(world_->store().Counts()),
              ElementsAre(Pair(Pair(kCorp, v1::MEDIA_STATE_QUEUED), 1u)));
}

// The store refuses a write when a stored job no longer parses: a proto3
// string with invalid UTF-8 is stored, and reading it back for the next
// reference fails (the archive's gRPC stream could not carry such a string;
// here it stands in for any store failure).
TEST_F(MediaFollowerTest, AJobThatCannotBeStoredIsNotAckedAndTheStreamIsReopened) {
  const std::string poison = "poison\xff";
  feed_.AddStream({.responses = {Response(Event(1, "m1", {})),
                                 Response(Event(2, "m2", {"fine", "x"}) + Event(3, "m3", {})),
                                 Response(Event(4, "m4", {"never"}))}});
  feed_.AddStream({.responses = {Response(Event(5, "m5", {"later"}))}});
  // Poisoned after the first ack, through the scheduler as the follower does.
  feed_.OnAck([&](uint64_t position) {
    if (position != 1) return;
    std::vector<v1::MediaJob> jobs;
    jobs.push_back(testing::NewJob(kCorp, "x"));
    jobs.back().set_filename(poison);
    ASSERT_THAT(world_->scheduler().Submit(std::move(jobs)), IsOk());
  });
  follower_->Start();
  ASSERT_TRUE(AwaitReconnectBackoff());
  EXPECT_THAT(feed_.acks(), ElementsAre(1));
  EXPECT_EQ(feed_.ack_calls(), 1);
  EXPECT_EQ(feed_.cancels(), 1);
  // One write for a response's jobs: none of position 2's was stored, and
  // nothing after it was read. (Listing would fail on the poisoned job.)
  EXPECT_EQ(Lookup("fine"), absl::StatusCode::kNotFound);
  EXPECT_EQ(Lookup("never"), absl::StatusCode::kNotFound);
  EXPECT_THAT(OnAcked(), ElementsAre(1));

  world_->clock().Advance(absl::Seconds(1));
  ASSERT_TRUE(feed_.AwaitAcks(2));
  EXPECT_THAT(feed_.acks(), ElementsAre(1, 5));
  EXPECT_EQ(Lookup("later"), absl::StatusCode::kOk);
}

TEST_F(MediaFollowerTest, StopEndsABlockedRead) {
  follower_->Start();
  ASSERT_TRUE(feed_.AwaitBlockedRead());
  Stop();
  EXPECT_EQ(feed_.cancels(), 1);
  EXPECT_EQ(feed_.subscribers().size(), 1u);
  EXPECT_THAT(feed_.acks(), IsEmpty());
}

TEST_F(MediaFollowerTest, AnEndedStreamIsReopenedAfterTheBackoffAndStopWakesTheBackoff) {
  feed_.AddStream({.end = absl::OkStatus()});
  feed_.AddStream({.responses = {Response(Event(1, "m1", {"a"}))},
                   .end = absl::UnavailableError("archive gone")});
  follower_->Start();
  ASSERT_TRUE(AwaitReconnectBackoff());
  EXPECT_EQ(feed_.subscribers().size(), 1u);
  world_->clock().Advance(absl::Seconds(1));
  ASSERT_TRUE(feed_.AwaitSubscriptions(2));
  ASSERT_TRUE(feed_.AwaitAcks(1));
  ASSERT_TRUE(AwaitReconnectBackoff());
  Stop();
  EXPECT_EQ(feed_.subscribers().size(), 2u);
  EXPECT_THAT(feed_.acks(), ElementsAre(1));
}

TEST_F(MediaFollowerTest, StopBeforeStartAndTwiceIsHarmless) {
  follower_->Stop();
  follower_->Stop();
  EXPECT_THAT(feed_.subscribers(), IsEmpty());
}

}  // namespace
}  // namespace wecom::media
