// MessageStreamer's delivery rules over a real store: each message reaches a
// stream once in its best known form, and a recovery is news only to streams
// that could have seen the message undecrypted.
#include "services/archive/stream/message_streamer.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "tests/support/temp_dir.h"

namespace wecom::archive {
namespace {

using testing::IsOk;
using v1::ArchivedMessage;
using v1::StreamEvent;
using v1::StreamMessagesRequest;
using v1::StreamMessagesResponse;

constexpr char kCorp[] = "wwstreamcorp";

ArchivedMessage Decrypted(uint64_t seq) {
  ArchivedMessage m;
  m.set_corp_id(kCorp);
  m.set_seq(seq);
  m.set_msgid("msg-" + std::to_string(seq));
  m.set_status(v1::DECRYPT_STATUS_DECRYPTED);
  v1::ChatMessage* chat = m.mutable_message();
  chat->set_msgid(m.msgid());
  chat->set_msgtype("text");
  chat->set_from("zhangsan");
  chat->set_conversation_id("lisi|zhangsan");
  chat->set_msgtime(1700000000000 + static_cast<int64_t>(seq));
  chat->mutable_text()->set_content("hello " + std::to_string(seq));
  return m;
}

ArchivedMessage Undecryptable(uint64_t seq) {
  ArchivedMessage m;
  m.set_corp_id(kCorp);
  m.set_seq(seq);
  m.set_msgid("msg-" + std::to_string(seq));
  m.set_status(v1::DECRYPT_STATUS_UNDECRYPTABLE);
  m.set_failure(v1::FAILURE_REASON_UNKNOWN_KEY_VERSION);
  m.mutable_envelope()->set_publickey_ver(2);
  return m;
}

// What a stream delivered: kind and seq (0 for the catch-up marker).
using Delivery = std::pair<StreamEvent::Kind, uint64_t>;

// A sink that hands `on_event` each event of each response in turn; the stream
// ends when it returns false.
MessageStreamer::Sink EachEvent(std::function<bool(const StreamEvent&)> on_event) {
  return [on_event = std::move(on_event)](const StreamMessagesResponse& response) {
    for (const StreamEvent& event : response.events()) {
      if (!on_event(event)) return false;
    }
    return true;
  };
}

class MessageStreamerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<testing::TempDir> dir = testing::TempDir::Create("streamer_test_");
    ASSERT_THAT(dir, IsOk());
    dir_ = std::make_unique<testing::TempDir>(*std::move(dir));
    absl::StatusOr<std::unique_ptr<MessageStore>> store =
        MessageStore::Open({.path = dir_->path() + "/db", .sync = false});
    ASSERT_THAT(store, IsOk());
    store_ = *std::move(store);
    streamer_ =
        std::make_unique<MessageStreamer>(store_.get(), &heads_, &metrics_, absl::Milliseconds(20));
    // seq 2 needs a key the archive does not have yet.
    ASSERT_THAT(store_->CommitPulled(kCorp, {Decrypted(1), Undecryptable(2), Decrypted(3)}, 3),
                IsOk());
    Publish();
  }

  void Publish() {
    absl::StatusOr<uint64_t> head = store_->HeadPosition(kCorp);
    ASSERT_THAT(head, IsOk());
    heads_.Publish(kCorp, *head);
  }

  void Recover() {
    ArchivedMessage now = Decrypted(2);
    now.set_position(2);
    ASSERT_THAT(store_->CommitRecovered(kCorp, {now}), IsOk());
    Publish();
  }

  // Streams until the catch-up marker (included) and returns what arrived.
  std::vector<Delivery> Replay(const StreamMessagesRequest& request) {
    std::vector<Delivery> out;
    EXPECT_THAT(streamer_->Stream(request, EachEvent([&](const StreamEvent& r) {
                                    out.emplace_back(r.kind(), r.message().seq());
                                    return r.kind() != StreamEvent::KIND_CAUGHT_UP;
                                  }),
                                  [] { return false; }),
                IsOk());
    return out;
  }

  // Streams live: once the stream has caught up, seq 2's key "arrives"; ends
  // after the recovery event and returns everything the stream sent.
  std::vector<StreamEvent> RecoverWhileStreaming(const StreamMessagesRequest& request) {
    std::vector<StreamEvent> events;
    absl::Notification caught_up, recovered;
    std::atomic<bool> cancelled{false};
    std::thread streaming([&] {
      EXPECT_THAT(streamer_->Stream(request, EachEvent([&](const StreamEvent& r) {
                                      events.push_back(r);
                                      if (r.kind() == StreamEvent::KIND_CAUGHT_UP)
                                        caught_up.Notify();
                                      if (r.kind() == StreamEvent::KIND_RECOVERED)
                                        recovered.Notify();
                                      return true;
                                    }),
                                    [&] { return cancelled.load(); }),
                  IsOk());
    });
    caught_up.WaitForNotification();
    Recover();
    recovered.WaitForNotification();
    cancelled = true;
    streaming.join();
    return events;
  }

  static StreamMessagesRequest AfterSeq(uint64_t seq) {
    StreamMessagesRequest request;
    request.set_corp_id(kCorp);
    request.set_after_seq(seq);
    return request;
  }

  std::unique_ptr<testing::TempDir> dir_;
  std::unique_ptr<MessageStore> store_;
  prometheus::Registry registry_;
  ArchiveMetrics metrics_{registry_};
  HeadWatcher heads_;
  std::unique_ptr<MessageStreamer> streamer_;
};

constexpr auto kArchived = StreamEvent::KIND_ARCHIVED;
constexpr auto kRecovered = StreamEvent::KIND_RECOVERED;
constexpr auto kCaughtUp = StreamEvent::KIND_CAUGHT_UP;

TEST_F(MessageStreamerTest, ReplayAfterRecoverySendsEachMessageOnceDecrypted) {
  Recover();
  std::vector<StreamEvent> events;
  ASSERT_THAT(streamer_->Stream(AfterSeq(0), EachEvent([&](const StreamEvent& r) {
                                  events.push_back(r);
                                  return r.kind() != kCaughtUp;
                                }),
                                [] { return false; }),
              IsOk());
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[1].kind(), kArchived);
  EXPECT_EQ(events[1].message().seq(), 2u);
  EXPECT_EQ(events[1].message().status(), v1::DECRYPT_STATUS_DECRYPTED);
  EXPECT_EQ(events[3].kind(), kCaughtUp);
}

TEST_F(MessageStreamerTest, ReplayedHistoryComesInOneResponseWithTheCatchUpMarker) {
  std::vector<int> sizes;
  ASSERT_THAT(streamer_->Stream(
                  AfterSeq(0),
                  [&](const StreamMessagesResponse& r) {
                    sizes.push_back(r.events_size());
                    return false;
                  },
                  [] { return false; }),
              IsOk());
  EXPECT_EQ(sizes, std::vector<int>{4});  // seqs 1-3 and the marker
}

TEST_F(MessageStreamerTest, AStreamThatStartedAfterThePlaceholderGetsTheRecovery) {
  Recover();
  EXPECT_EQ(Replay(AfterSeq(2)),
            (std::vector<Delivery>{{kArchived, 3}, {kRecovered, 2}, {kCaughtUp, 0}}));
}

TEST_F(MessageStreamerTest, ALiveStreamSeesThePlaceholderThenTheRecovery) {
  std::vector<StreamEvent> events = RecoverWhileStreaming(AfterSeq(0));
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[1].message().status(), v1::DECRYPT_STATUS_UNDECRYPTABLE);
  EXPECT_EQ(events[4].kind(), kRecovered);
  EXPECT_EQ(events[4].message().seq(), 2u);
  EXPECT_EQ(events[4].message().status(), v1::DECRYPT_STATUS_DECRYPTED);
  EXPECT_EQ(events[4].position(), 4u);
}

TEST_F(MessageStreamerTest, AFilteredStreamLearnsWhatItsPlaceholderBecame) {
  StreamMessagesRequest request = AfterSeq(0);
  request.add_msgtypes("image");  // seq 2 turns out to be text
  std::vector<Delivery> events;
  for (const StreamEvent& r : RecoverWhileStreaming(request)) {
    events.emplace_back(r.kind(), r.message().seq());
  }
  EXPECT_EQ(events, (std::vector<Delivery>{{kArchived, 2}, {kCaughtUp, 0}, {kRecovered, 2}}));
}

TEST_F(MessageStreamerTest, UndecryptableMessagesPassEveryFilter) {
  StreamMessagesRequest request = AfterSeq(0);
  request.add_msgtypes("image");
  EXPECT_EQ(Replay(request), (std::vector<Delivery>{{kArchived, 2}, {kCaughtUp, 0}}));
}

TEST_F(MessageStreamerTest, ADurableConsumerResumesAfterItsAck) {
  ASSERT_THAT(store_->AckConsumer(kCorp, "billing", 2), IsOk());
  StreamMessagesRequest request;
  request.set_corp_id(kCorp);
  request.set_consumer("billing");
  EXPECT_EQ(Replay(request), (std::vector<Delivery>{{kArchived, 3}, {kCaughtUp, 0}}));
}

TEST_F(MessageStreamerTest, SubscribersAreCountedWhileStreaming) {
  double during = -1;
  ASSERT_THAT(streamer_->Stream(
                  AfterSeq(0),
                  [&](const StreamMessagesResponse&) {
                    during = metrics_.StreamSubscribers(kCorp).Value();
                    return false;
                  },
                  [] { return false; }),
              IsOk());
  EXPECT_EQ(during, 1);
  EXPECT_EQ(metrics_.StreamSubscribers(kCorp).Value(), 0);
}

}  // namespace
}  // namespace wecom::archive
