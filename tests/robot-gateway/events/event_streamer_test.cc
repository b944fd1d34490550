// EventStreamer over a real EventLog: replay, caught_up, live follow, durable
// consumers, filters, batching and the ways a stream ends.
#include "services/robot-gateway/events/event_streamer.h"

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/robot-gateway/events/temp_event_log.h"

namespace wecom::robot {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using v1::StreamEventsRequest;
using v1::StreamEventsResponse;
using ::wecom::testing::IsOk;

constexpr char kAccountA[] = "quntool:1688850000000001";
constexpr char kAccountB[] = "quntool:1688850000000002";

v1::Event MakeEvent(const std::string& id, const std::string& account_id = kAccountA,
                    const std::string& type = "text_msg", v1::Vendor vendor = v1::VENDOR_QUNTOOL) {
  v1::Event event;
  event.set_event_id(id);
  event.set_account_id(account_id);
  event.set_vendor(vendor);
  event.set_vendor_type(type);
  return event;
}

// Runs one Stream on its own thread and records what it sends.
class RunningStream {
 public:
  RunningStream(EventStreamer& streamer, StreamEventsRequest request, bool client_stays = true)
      : client_stays_(client_stays) {
    thread_ = std::thread([this, &streamer, request = std::move(request)] {
      absl::Status status = streamer.Stream(
          request,
          [this](const StreamEventsResponse& response) {
            absl::MutexLock lock(&mu_);
            responses_.push_back(response);
            return client_stays_;
          },
          [this] { return cancelled_.load(); });
      absl::MutexLock lock(&mu_);
      result_ = std::move(status);
      done_ = true;
    });
  }
  // A test that wanted the outcome called Finish itself.
  ~RunningStream() { Finish().IgnoreError(); }

  // Waits until `ready` holds for the responses so far; false after 30 s.
  bool WaitFor(const std::function<bool(const std::vector<StreamEventsResponse>&)>& ready) {
    absl::MutexLock lock(&mu_);
    auto condition = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return ready(responses_); };
    return mu_.AwaitWithTimeout(absl::Condition(&condition), absl::Seconds(30));
  }
  bool WaitForCaughtUp() {
    return WaitFor([](const std::vector<StreamEventsResponse>& responses) {
      for (const StreamEventsResponse& response : responses) {
        if (response.caught_up()) return true;
      }
      return false;
    });
  }
  bool WaitForEvents(size_t count) {
    return WaitFor([count](const std::vector<StreamEventsResponse>& responses) {
      return EventIds(responses).size() >= count;
    });
  }
  // Waits for Stream to return by itself (client gone).
  bool WaitUntilDone() {
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(absl::Condition(&done_), absl::Seconds(30));
  }

  // Cancels the stream and waits for it; its result.
  absl::Status Finish() {
    cancelled_ = true;
    if (thread_.joinable()) thread_.join();
    absl::MutexLock lock(&mu_);
    return result_;
  }

  std::vector<StreamEventsResponse> responses() {
    absl::MutexLock lock(&mu_);
    return responses_;
  }

  static std::vector<std::string> EventIds(const std::vector<StreamEventsResponse>& responses) {
    std::vector<std::string> ids;
    for (const StreamEventsResponse& response : responses) {
      for (const v1::Event& event : response.events()) ids.push_back(event.event_id());
    }
    return ids;
  }
  std::vector<std::string> EventIds() { return EventIds(responses()); }

 private:
  const bool client_stays_;
  std::atomic<bool> cancelled_{false};
  absl::Mutex mu_;
  std::vector<StreamEventsResponse> responses_ ABSL_GUARDED_BY(mu_);
  absl::Status result_ ABSL_GUARDED_BY(mu_);
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

class EventStreamerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<testing::TempEventLog>> temp = testing::TempEventLog::Create();
    ASSERT_THAT(temp, IsOk());
    temp_ = *std::move(temp);
    // A short interval keeps cancellation quick.
    streamer_ = std::make_unique<EventStreamer>(&temp_->log(), absl::Milliseconds(10));
  }

  EventLog& log() { return temp_->log(); }
  void Append(v1::Event event) { ASSERT_THAT(log().Append(std::move(event)), IsOk()); }

  std::unique_ptr<testing::TempEventLog> temp_;
  std::unique_ptr<EventStreamer> streamer_;
};

// The index of the first response with caught_up set, or -1.
int CaughtUpIndex(const std::vector<StreamEventsResponse>& responses) {
  for (size_t i = 0; i < responses.size(); ++i) {
    if (responses[i].caught_up()) return static_cast<int>(i);
  }
  return -1;
}

TEST_F(EventStreamerTest, ReplaysStoredEventsThenCaughtUpThenFollowsLive) {
  Append(MakeEvent("e1"));
  Append(MakeEvent("e2"));
  Append(MakeEvent("e3"));

  RunningStream stream(*streamer_, StreamEventsRequest());
  ASSERT_TRUE(stream.WaitForCaughtUp());
  const std::vector<StreamEventsResponse> replay = stream.responses();
  EXPECT_THAT(RunningStream::EventIds(replay), ElementsAre("e1", "e2", "e3"));
  // The history ended with the response that carries its last event.
  EXPECT_EQ(CaughtUpIndex(replay), static_cast<int>(replay.size()) - 1);

  Append(MakeEvent("e4"));
  Append(MakeEvent("e5"));
  ASSERT_TRUE(stream.WaitForEvents(5));
  EXPECT_THAT(stream.Finish(), IsOk());

  const std::vector<StreamEventsResponse> all = stream.responses();
  EXPECT_THAT(RunningStream::EventIds(all), ElementsAre("e1", "e2", "e3", "e4", "e5"));
  int caught_up_count = 0;
  uint64_t last_position = 0;
  for (const StreamEventsResponse& response : all) {
    caught_up_count += response.caught_up() ? 1 : 0;
    for (const v1::Event& event : response.events()) {
      EXPECT_GT(event.position(), last_position);
      last_position = event.position();
    }
  }
  EXPECT_EQ(caught_up_count, 1);
}

TEST_F(EventStreamerTest, EmptyLogSendsCaughtUpAlone) {
  RunningStream stream(*streamer_, StreamEventsRequest());
  ASSERT_TRUE(stream.WaitForCaughtUp());
  const std::vector<StreamEventsResponse> responses = stream.responses();
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_TRUE(responses[0].caught_up());
  EXPECT_THAT(responses[0].events(), IsEmpty());

  Append(MakeEvent("live"));
  ASSERT_TRUE(stream.WaitForEvents(1));
  EXPECT_THAT(stream.Finish(), IsOk());
  EXPECT_THAT(stream.EventIds(), ElementsAre("live"));
}

TEST_F(EventStreamerTest, AfterPositionSkipsEarlierEvents) {
  for (int i = 1; i <= 4; ++i) Append(MakeEvent(absl::StrCat("e", i)));
  StreamEventsRequest request;
  request.set_after_position(2);
  RunningStream stream(*streamer_, request);
  ASSERT_TRUE(stream.WaitForCaughtUp());
  EXPECT_THAT(stream.EventIds(), ElementsAre("e3", "e4"));
}

TEST_F(EventStreamerTest, ConsumerResumesAfterItsAcknowledgedPosition) {
  for (int i = 1; i <= 4; ++i) Append(MakeEvent(absl::StrCat("e", i)));
  StreamEventsRequest request;
  request.set_consumer("billing");

  {
    // A new consumer starts at the beginning.
    RunningStream first(*streamer_, request);
    ASSERT_TRUE(first.WaitForCaughtUp());
    EXPECT_THAT(first.EventIds(), ElementsAre("e1", "e2", "e3", "e4"));
  }
  ASSERT_THAT(log().Ack("billing", 2), IsOk());
  Append(MakeEvent("e5"));

  RunningStream resumed(*streamer_, request);
  ASSERT_TRUE(resumed.WaitForCaughtUp());
  EXPECT_THAT(resumed.EventIds(), ElementsAre("e3", "e4", "e5"));
}

TEST_F(EventStreamerTest, FiltersByAccountVendorAndType) {
  Append(MakeEvent("a-text", kAccountA, "text_msg"));
  Append(MakeEvent("b-text", kAccountB, "text_msg"));
  Append(MakeEvent("a-login", kAccountA, "user_login"));
  Append(MakeEvent("y-text", "yjiyun:robot1", "text_msg", v1::VENDOR_YJIYUN));

  StreamEventsRequest by_account;
  by_account.add_account_ids(kAccountA);
  RunningStream account_stream(*streamer_, by_account);

  StreamEventsRequest by_vendor;
  by_vendor.add_vendors(v1::VENDOR_YJIYUN);
  RunningStream vendor_stream(*streamer_, by_vendor);

  StreamEventsRequest by_type_and_account;
  by_type_and_account.add_vendor_types("text_msg");
  by_type_and_account.add_account_ids(kAccountA);
  by_type_and_account.add_account_ids(kAccountB);
  RunningStream type_stream(*streamer_, by_type_and_account);

  ASSERT_TRUE(account_stream.WaitForCaughtUp());
  ASSERT_TRUE(vendor_stream.WaitForCaughtUp());
  ASSERT_TRUE(type_stream.WaitForCaughtUp());
  // Live events are filtered too.
  Append(MakeEvent("b-login", kAccountB, "user_login"));
  Append(MakeEvent("a-live", kAccountA, "text_msg"));
  ASSERT_TRUE(account_stream.WaitForEvents(3));
  ASSERT_TRUE(type_stream.WaitForEvents(3));

  EXPECT_THAT(account_stream.EventIds(), ElementsAre("a-text", "a-login", "a-live"));
  EXPECT_THAT(vendor_stream.EventIds(), ElementsAre("y-text"));
  EXPECT_THAT(type_stream.EventIds(), ElementsAre("a-text", "b-text", "a-live"));
}

TEST_F(EventStreamerTest, FilteredOutHistoryStillEndsWithCaughtUp) {
  for (int i = 0; i < 3; ++i) Append(MakeEvent(absl::StrCat("b", i), kAccountB));
  StreamEventsRequest request;
  request.add_account_ids(kAccountA);
  RunningStream stream(*streamer_, request);
  ASSERT_TRUE(stream.WaitForCaughtUp());
  const std::vector<StreamEventsResponse> responses = stream.responses();
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_THAT(responses[0].events(), IsEmpty());
}

TEST_F(EventStreamerTest, LargeReplayGoesOutInBoundedResponses) {
  // 600 events of ~4 KiB: about 2.4 MiB, more than 1 MiB within one log read.
  constexpr int kEvents = 600;
  const std::string text(4096, 'x');
  for (int i = 0; i < kEvents; ++i) {
    v1::Event event = MakeEvent(absl::StrCat("e", i));
    event.mutable_message()->set_text(text);
    Append(std::move(event));
  }
  RunningStream stream(*streamer_, StreamEventsRequest());
  ASSERT_TRUE(stream.WaitForCaughtUp());
  const std::vector<StreamEventsResponse> responses = stream.responses();
  EXPECT_GE(responses.size(), 3u);
  EXPECT_EQ(CaughtUpIndex(responses), static_cast<int>(responses.size()) - 1);
  int events = 0;
  for (const StreamEventsResponse& response : responses) {
    // At most one event past the 1 MiB mark.
    EXPECT_LE(response.ByteSizeLong(), (1u << 20) + 8192);
    events += response.events_size();
  }
  EXPECT_EQ(events, kEvents);
}

TEST_F(EventStreamerTest, CancelEndsAFollowingStreamWithOk) {
  RunningStream stream(*streamer_, StreamEventsRequest());
  ASSERT_TRUE(stream.WaitForCaughtUp());
  EXPECT_THAT(stream.Finish(), IsOk());
}

TEST_F(EventStreamerTest, ClientGoneEndsTheStreamWithOk) {
  Append(MakeEvent("e1"));
  RunningStream stream(*streamer_, StreamEventsRequest(), /*client_stays=*/false);
  ASSERT_TRUE(stream.WaitUntilDone());
  EXPECT_THAT(stream.Finish(), IsOk());
  EXPECT_EQ(stream.responses().size(), 1u);
}

}  // namespace
}  // namespace wecom::robot
