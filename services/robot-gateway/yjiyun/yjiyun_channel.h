// YjiyunChannel: the socket.io channel (/imchat?token=…) of the gateway's
// yjiyun account, which carries the events of all its robots.
//
// - Pushed messages and actions become events for the sink (yjiyun_event.h).
// - Requests (sends and actions) go over the socket while it is up, their
//   answers matched by messageId, and over /wxworkapi/bridge while it is not.
// - A lost connection is tried again no sooner than min_reconnect_delay (the
//   document advises 10 s), later ones further apart. yjiyun does not deliver
//   what happens meanwhile, so after every reconnect the channel fills the
//   gap from /wxworkapi/chat/message: every message since the last one it
//   saw, oldest first, before any event that arrives after the reconnect.
//   The event log drops what it already has (event ids are the messageIds).
//   Actions pushed meanwhile (friend requests, member changes) cannot be
//   fetched afterwards and are lost: the document offers no way to.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/config/secret.h"
#include "common/retry/backoff.h"
#include "common/socketio/socket_io_client.h"
#include "common/time/clock.h"
#include "nlohmann/json.hpp"
#include "services/robot-gateway/metrics/gateway_metrics.h"
#include "services/robot-gateway/platform/vendor_event.h"
#include "services/robot-gateway/yjiyun/yjiyun_api.h"

namespace wecom::robot {

struct YjiyunChannelOptions {
  // msgFilter=1: only one-to-one texts and group texts that @ the robot.
  // (Gap fills bring every message of the gap.)
  bool msg_filter = false;
  // The wait before a reconnect is this plus a backoff that grows while
  // attempts fail (full jitter).
  absl::Duration min_reconnect_delay = absl::Seconds(10);
  BackoffPolicy reconnect_backoff{
      .initial = absl::Seconds(5), .max = absl::Minutes(5), .multiplier = 2};
  // How long a request over the socket waits for its answer.
  absl::Duration answer_timeout = absl::Seconds(15);
  // While connected, how often the token is renewed when due (the socket
  // keeps the token it connected with; yjiyun extends a valid token).
  absl::Duration token_check_interval = absl::Minutes(1);
  // A failed gap fill is tried again after this.
  absl::Duration gap_retry_delay = absl::Seconds(5);
  // Gap fills start this long before the newest message seen, for messages
  // stamped earlier but pushed later (the log drops what it has).
  absl::Duration gap_overlap = absl::Minutes(2);
  // Messages (and chats) asked for per call while filling a gap.
  int gap_page_size = 100;
  // Schedules reconnects; RealClock when null.
  Clock* clock = nullptr;
  // When set: the socket's state, connects, disconnects, gap fills and
  // malformed events, and every request over the socket as a vendor call
  // (endpoint "socket <event> <type>", result "ok", the refusal's code or
  // "timeout"). Requests over the bridge are YjiyunApi's calls.
  GatewayMetrics* metrics = nullptr;
};

class YjiyunChannel {
 public:
  // `api` and `sink` must outlive the channel.
  YjiyunChannel(YjiyunApi* api, VendorEventSink* sink, YjiyunChannelOptions options);
  // Stops: the socket closes, nothing more is delivered.
  ~YjiyunChannel();

  // Connects (the first attempt is made here and its failure returned; the
  // channel keeps trying either way) and starts the reconnect thread.
  // Messages from now on are delivered; earlier ones are not looked for.
  absl::Status Start();

  // Sends `request` (it must have a messageId) as socket event `event`
  // ("message" for sends, "action" for actions) and returns the answer of
  // that kind with its messageId, or posts it to /wxworkapi/bridge when the
  // socket is down. An answer 1000 (the socket's token expired) renews the
  // token and sends once more with it. Refusals carry the vendor's code and
  // msg: 5000 UNAVAILABLE, others FAILED_PRECONDITION; no answer within
  // answer_timeout is DEADLINE_EXCEEDED (the request may have been carried
  // out).
  absl::StatusOr<nlohmann::json> Request(absl::string_view event, const nlohmann::json& request);

  bool connected() const;
  // Completed gap fills.
  int64_t gap_fills() const;
  // Waits until connected() is `connected` and gap_fills() at least
  // `gap_fills`, or `deadline`; returns whether they are.
  bool WaitUntil(bool connected, int64_t gap_fills, absl::Time deadline) const;

 private:
  struct Pending;

  void OnMessage(const nlohmann::json& payload);
  void OnAction(const nlohmann::json& payload);
  void OnDisconnect(socketio::DisconnectReason reason, const std::string& detail);

  absl::Status Connect();
  void RunReconnects();
  // Fills the gap if a reconnect or a failed delivery left one; runs before
  // any event that arrived after the reconnect is delivered.
  void FillGapIfPending() ABSL_LOCKS_EXCLUDED(fill_mu_, mu_);
  // What a gap fill read: its newest message's time and how many it read.
  struct GapFilled {
    int64_t newest_ms = 0;
    int64_t messages = 0;
  };
  // Delivers the messages since `since_ms`.
  absl::StatusOr<GapFilled> FillGap(int64_t since_ms) ABSL_EXCLUSIVE_LOCKS_REQUIRED(fill_mu_);
  // A pushed (or read back) event dropped as malformed.
  void Malformed(absl::string_view event, const absl::Status& why) const;
  // Delivers an event that came over the socket; a message's timestamp
  // (`message_ms`, 0 for other events) moves the next gap's start.
  void DeliverLive(VendorEvent event, int64_t message_ms) ABSL_LOCKS_EXCLUDED(mu_);
  // Hands an answer to the request of `event` waiting for its messageId;
  // false when none is.
  bool Answer(absl::string_view event, const nlohmann::json& payload) ABSL_LOCKS_EXCLUDED(mu_);
  bool stopping() const ABSL_LOCKS_EXCLUDED(mu_);

  YjiyunApi* const api_;
  VendorEventSink* const sink_;
  const YjiyunChannelOptions options_;

  // Held while a gap is filled, so live events wait behind it.
  absl::Mutex fill_mu_ ABSL_ACQUIRED_BEFORE(mu_);

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool connected_ ABSL_GUARDED_BY(mu_) = false;
  // Counts ended sessions, so a drop during Connect is not taken for a
  // connection.
  uint64_t sessions_ended_ ABSL_GUARDED_BY(mu_) = 0;
  // Wakes the reconnect thread (a disconnect, a failed delivery, stopping).
  bool wake_ ABSL_GUARDED_BY(mu_) = false;
  // A reconnect or a failed delivery left a gap not filled yet.
  bool gap_pending_ ABSL_GUARDED_BY(mu_) = false;
  // The newest message timestamp delivered (ms); the next gap starts here.
  int64_t cursor_ms_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t gap_fills_ ABSL_GUARDED_BY(mu_) = 0;
  // The token the current connection was opened with.
  Secret socket_token_ ABSL_GUARDED_BY(mu_);
  // By "<event>/<messageId>".
  absl::flat_hash_map<std::string, std::shared_ptr<Pending>> pending_ ABSL_GUARDED_BY(mu_);

  // Declared after what its handlers use, so it is destroyed first.
  socketio::SocketIoClient client_;
  std::thread reconnects_;
};

}  // namespace wecom::robot
