// The outbox's test world: a SendOutbox on a TempEventLog's RocksDB, a
// FakeClock, and a scripted RobotPlatform standing in for a vendor adapter
// (the quntool adapter is tested against its emulator elsewhere).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/time/clock.h"
#include "rocksdb/db.h"
#include "services/robot-gateway/outbox/send_outbox.h"
#include "services/robot-gateway/platform/robot_platform.h"
#include "tests/robot-gateway/events/temp_event_log.h"
#include "wecom/robot/v1/event.pb.h"
#include "wecom/robot/v1/robot.pb.h"

namespace wecom::robot::testing {

inline constexpr char kAccountA[] = "quntool:wxA";
inline constexpr char kAccountB[] = "quntool:wxB";
inline constexpr char kConversation[] = "S:1688001_7880001";
inline constexpr char kCorp[] = "ww-corp-1";

// A text send as the API layer hands it over.
v1::Send TextSend(const std::string& account_id, const std::string& text,
                  const std::string& idempotency_key = "",
                  const std::string& conversation_id = kConversation);

// The vendor's callback about `send` (its conversation and echo type).
VendorSendOutcome OutcomeFor(const v1::Send& send, const std::string& vendor_msg_id,
                             int64_t error_code, const std::string& error_message = "");

// Records every SendMessage call (send, account, fake time) and answers as
// scripted: by default OK with msgId "msg-<n>", n counting calls from 1.
class ScriptedPlatform final : public RobotPlatform {
 public:
  // Gets the message and its call number; runs outside the platform's lock
  // (it may deliver a callback before answering).
  using Answer = std::function<absl::StatusOr<std::string>(const OutgoingMessage&, int)>;

  explicit ScriptedPlatform(Clock* clock) : clock_(clock) {}

  v1::Vendor vendor() const override { return v1::VENDOR_QUNTOOL; }
  v1::SendTransport TransportFor(const AccountRef& account) const override {
    return v1::SEND_TRANSPORT_MQTT;
  }
  absl::StatusOr<std::string> SendMessage(const OutgoingMessage& message) override;

  void set_answer(Answer answer);

  struct Call {
    std::string send_id;
    std::string account_id;
    absl::Time at;
  };
  std::vector<Call> calls() const;
  std::vector<Call> CallsOf(const std::string& account_id) const;
  int CallCount(const std::string& send_id) const;

 private:
  Clock* const clock_;
  mutable absl::Mutex mu_;
  Answer answer_ ABSL_GUARDED_BY(mu_);
  std::vector<Call> calls_ ABSL_GUARDED_BY(mu_);
};

class OutboxEnv {
 public:
  static absl::StatusOr<std::unique_ptr<OutboxEnv>> Create();

  FakeClock& clock() { return clock_; }
  SendOutbox& outbox() { return *outbox_; }
  EventLog& log() { return temp_->log(); }
  rocksdb::DB& db() { return temp_->db(); }
  // Closes the outbox and its database and opens them again, as a restart.
  absl::Status Reopen();

  std::vector<v1::Event> Events();
  // The states the send's SendStatusEvents show, in stream order.
  std::vector<v1::SendState> StatesOf(const std::string& send_id);
  // The first stored event matching `match`, waiting up to `timeout` (real
  // time) for it to be stored by another thread.
  absl::StatusOr<v1::Event> WaitForEvent(const std::function<bool(const v1::Event&)>& match,
                                         absl::Duration timeout = absl::Seconds(20));

 private:
  OutboxEnv() = default;

  FakeClock clock_;
  std::unique_ptr<TempEventLog> temp_;
  // Declared after temp_, so it goes first.
  std::unique_ptr<SendOutbox> outbox_;
};

}  // namespace wecom::robot::testing
