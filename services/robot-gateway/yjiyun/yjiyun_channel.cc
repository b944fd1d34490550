#include "services/robot-gateway/yjiyun/yjiyun_channel.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/log/log.h"
#include "common/status/status_macros.h"
#include "services/robot-gateway/platform/vendor_json.h"
#include "services/robot-gateway/yjiyun/yjiyun_event.h"

namespace wecom::robot {
namespace {

using nlohmann::json;

constexpr absl::string_view kVendor = "yjiyun";
constexpr absl::string_view kNamespace = "/imchat";
constexpr absl::string_view kBridgePath = "/wxworkapi/bridge";

absl::Status RefusalOf(const json& answer, absl::string_view what) {
  if (!YjiyunRefused(answer)) return absl::OkStatus();
  return YjiyunRefusal(what, JsonInt(answer, "code"), JsonString(answer, "msg"));
}

std::string PendingKey(absl::string_view event, absl::string_view message_id) {
  return absl::StrCat(event, "/", message_id);
}

}  // namespace

struct YjiyunChannel::Pending {
  absl::Notification answered;
  json answer;
};

YjiyunChannel::YjiyunChannel(YjiyunApi* api, VendorEventSink* sink, YjiyunChannelOptions options)
    : api_(api), sink_(sink), options_([&options] {
        if (options.clock == nullptr) options.clock = RealClock::Get();
        return options;
      }()) {
  client_.On("message", [this](const json& payload) { OnMessage(payload); });
  client_.On("action", [this](const json& payload) { OnAction(payload); });
  client_.OnDisconnect([this](socketio::DisconnectReason reason, const std::string& detail) {
    OnDisconnect(reason, detail);
  });
}

YjiyunChannel::~YjiyunChannel() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    wake_ = true;
  }
  if (reconnects_.joinable()) reconnects_.join();
  client_.Close();
}

bool YjiyunChannel::stopping() const {
  absl::MutexLock lock(&mu_);
  return stopping_;
}

absl::Status YjiyunChannel::Start() {
  {
    absl::MutexLock lock(&mu_);
    if (reconnects_.joinable()) return absl::FailedPreconditionError("already started");
    // Nothing before the start is looked for.
    cursor_ms_ = absl::ToUnixMillis(options_.clock->Now());
    // Exported from the start, so a gateway that never connects shows 0.
    if (options_.metrics != nullptr) options_.metrics->SetSocketConnected(kVendor, false);
  }
  const absl::Status connected = Connect();
  if (!connected.ok()) {
    absl::MutexLock lock(&mu_);
    gap_pending_ = true;
  }
  reconnects_ = std::thread([this] { RunReconnects(); });
  return connected;
}

absl::Status YjiyunChannel::Connect() {
  absl::StatusOr<Secret> renewed = api_->Token();
  if (!renewed.ok()) {
    if (options_.metrics != nullptr) options_.metrics->SocketConnectAttempt(kVendor, "failed");
    return renewed.status();
  }
  const Secret token = *std::move(renewed);
  socketio::SocketIoOptions socket;
  socket.url = api_->base_url();
  socket.nsp = std::string(kNamespace);
  if (options_.msg_filter) socket.query.emplace_back("msgFilter", "1");
  socket.secret_query.emplace_back("token", token);
  uint64_t ended_before = 0;
  {
    absl::MutexLock lock(&mu_);
    ended_before = sessions_ended_;
    socket_token_ = token;
  }
  absl::Status connected = client_.Connect(socket);
  const bool refused = connected.code() == absl::StatusCode::kPermissionDenied;
  if (refused) {
    // The token was refused: the next attempt authenticates again.
    api_->TokenRefused(token);
  }
  if (connected.ok()) {
    absl::MutexLock lock(&mu_);
    // The server may have dropped the session before Connect returned; its
    // disconnect was reported already.
    if (sessions_ended_ != ended_before) {
      connected = absl::UnavailableError("yjiyun dropped the connection as it opened");
    } else {
      connected_ = true;
      // Under the lock, so that a disconnect's 0 cannot come before this 1.
      if (options_.metrics != nullptr) options_.metrics->SetSocketConnected(kVendor, true);
    }
  }
  if (options_.metrics != nullptr) {
    options_.metrics->SocketConnectAttempt(kVendor, connected.ok() ? "ok"
                                                    : refused      ? "refused"
                                                                   : "failed");
  }
  return connected;
}

void YjiyunChannel::RunReconnects() {
  Backoff backoff(options_.reconnect_backoff);
  while (true) {
    bool connected = false;
    {
      absl::MutexLock lock(&mu_);
      if (connected_ && !stopping_) {
        // Connected: look again after a while, or at once on a disconnect.
        wake_ = false;
        const absl::Duration wait =
            gap_pending_ ? options_.gap_retry_delay : options_.token_check_interval;
        options_.clock->SleepUntil(options_.clock->Now() + wait, &mu_, &wake_);
      }
      if (stopping_) return;
      connected = connected_;
    }
    if (connected) {
      // The socket keeps its token: renewed here while it is valid, yjiyun
      // extends it instead of issuing another.
      if (absl::StatusOr<Secret> token = api_->Token(); !token.ok()) {
        log::Warn("yjiyun_token_renewal_failed", {{"error", token.status().ToString()}});
      }
      FillGapIfPending();
      continue;
    }
    {
      absl::MutexLock lock(&mu_);
      const absl::Time at = options_.clock->Now() + options_.min_reconnect_delay + backoff.Next();
      if (!options_.clock->SleepUntil(at, &mu_, &stopping_) || stopping_) return;
    }
    const absl::Status reconnected = Connect();
    if (!reconnected.ok()) {
      log::Warn("yjiyun_reconnect_failed", {{"error", reconnected.ToString()}});
      continue;
    }
    log::Info("yjiyun_reconnected", {});
    backoff.Reset();
    FillGapIfPending();
  }
}

void YjiyunChannel::OnDisconnect(socketio::DisconnectReason reason, const std::string& detail) {
  log::Warn("yjiyun_disconnected",
            {{"reason", std::string(socketio::DisconnectReasonName(reason))}, {"detail", detail}});
  if (options_.metrics != nullptr) {
    options_.metrics->SocketDisconnected(kVendor, socketio::DisconnectReasonName(reason));
  }
  absl::MutexLock lock(&mu_);
  if (options_.metrics != nullptr) options_.metrics->SetSocketConnected(kVendor, false);
  connected_ = false;
  ++sessions_ended_;
  wake_ = true;
  // Set here, before any reconnect, so that no event after it can overtake
  // the gap's messages.
  gap_pending_ = true;
}

void YjiyunChannel::FillGapIfPending() {
  absl::MutexLock fill(&fill_mu_);
  int64_t since_ms = 0;
  {
    absl::MutexLock lock(&mu_);
    if (!gap_pending_ || stopping_) return;
    since_ms = std::max<int64_t>(0, cursor_ms_ - absl::ToInt64Milliseconds(options_.gap_overlap));
  }
  absl::StatusOr<GapFilled> filled = FillGap(since_ms);
  if (options_.metrics != nullptr) {
    options_.metrics->GapFill(kVendor, filled.ok() ? "ok" : "failed",
                              filled.ok() ? filled->messages : 0);
  }
  absl::MutexLock lock(&mu_);
  if (!filled.ok()) {
    // The reconnect thread tries again after gap_retry_delay.
    log::Error("yjiyun_gap_fill_failed", {{"error", filled.status().ToString()}});
    return;
  }
  gap_pending_ = false;
  cursor_ms_ = std::max(cursor_ms_, filled->newest_ms);
  ++gap_fills_;
}

void YjiyunChannel::Malformed(absl::string_view event, const absl::Status& why) const {
  log::Warn("yjiyun_event_malformed", {{"event", std::string(event)}, {"error", why.ToString()}});
  if (options_.metrics != nullptr) options_.metrics->SocketEventMalformed(kVendor, event);
}

absl::StatusOr<YjiyunChannel::GapFilled> YjiyunChannel::FillGap(int64_t since_ms) {
  const int count = std::max(1, options_.gap_page_size);
  // The chats active since the gap began, newest first, paged by time. No
  // end time is given: the server's "now", which our clock may trail.
  struct Chat {
    std::string robot_key;
    std::string chat_user;
  };
  std::vector<Chat> chats;
  absl::flat_hash_set<std::string> seen_chats;
  std::optional<int64_t> before_ms;
  while (true) {
    if (stopping()) return absl::CancelledError("stopping");
    json params = {{"count", count}};
    if (before_ms.has_value()) params["timestamp"] = *before_ms;
    ASSIGN_OR_RETURN(const YjiyunApi::Answer page, api_->Call("/wxworkapi/chat/list", params));
    const json& items = JsonArray(page.body, "chats");
    bool older_reached = false;
    bool new_chats = false;
    for (const json& chat : items) {
      const int64_t active_ms = JsonInt(chat, "lastMsgActive");
      if (active_ms < since_ms) {
        older_reached = true;
        break;
      }
      before_ms = before_ms.has_value() ? std::min(*before_ms, active_ms) : active_ms;
      // Chats sharing one lastMsgActive across a page boundary come again
      // (timestamp is inclusive).
      if (!seen_chats.insert(JsonString(chat, "chatId")).second) continue;
      new_chats = true;
      chats.push_back(Chat{.robot_key = JsonString(JsonObject(chat, "botInfo"), "robotKey"),
                           .chat_user = JsonString(chat, "chatUser")});
    }
    // A page of nothing new would come again and again.
    if (older_reached || !new_chats || items.empty()) break;
  }
  // Their messages in the gap, delivered oldest first.
  // With their timestamps, read once for the sort.
  using TimedMessage = std::pair<int64_t, json>;
  std::vector<TimedMessage> messages;
  for (const Chat& chat : chats) {
    for (int64_t offset = 0;;) {
      if (stopping()) return absl::CancelledError("stopping");
      ASSIGN_OR_RETURN(const YjiyunApi::Answer page,
                       api_->Call("/wxworkapi/chat/message", {{"robotKey", chat.robot_key},
                                                              {"chatUser", chat.chat_user},
                                                              {"s_timestamp", since_ms},
                                                              {"offset", offset},
                                                              {"count", count}}));
      // Newest first: a message arriving meanwhile shifts the pages, so one
      // may come twice (the log drops it), never be skipped.
      const json& items = JsonArray(page.body, "model");
      for (const json& item : items) messages.emplace_back(JsonInt(item, "timestamp"), item);
      offset += static_cast<int64_t>(items.size());
      // The total says when the gap is read, whatever page size the server
      // serves.
      if (items.empty() || offset >= page.total()) break;
    }
  }
  std::stable_sort(messages.begin(), messages.end(),
                   [](const TimedMessage& a, const TimedMessage& b) { return a.first < b.first; });
  int64_t newest_ms = since_ms;
  int64_t filled = 0;
  for (const auto& [timestamp_ms, message] : messages) {
    newest_ms = std::max(newest_ms, timestamp_ms);
    absl::StatusOr<VendorEvent> event = NormalizeYjiyunMessage(message);
    // The echoes of the gateway's sends are their outcomes, wanted whatever
    // the filter.
    if (options_.msg_filter && !PassesYjiyunMsgFilter(message) &&
        !(event.ok() && event->send_outcome.has_value())) {
      continue;
    }
    ++filled;
    absl::Status delivered = event.status();
    if (event.ok()) delivered = sink_->Deliver(*std::move(event));
    if (delivered.code() == absl::StatusCode::kInvalidArgument) {
      // Malformed: it would fail every fill again.
      Malformed("chat/message", delivered);
    } else {
      // Not stored: the fill fails and starts here again.
      RETURN_IF_ERROR(delivered);
    }
  }
  return GapFilled{.newest_ms = newest_ms, .messages = filled};
}

void YjiyunChannel::DeliverLive(VendorEvent event, int64_t message_ms) {
  const std::string event_id = event.event.event_id();
  const absl::Status delivered = sink_->Deliver(std::move(event));
  absl::MutexLock lock(&mu_);
  if (!delivered.ok()) {
    log::Error("yjiyun_event_not_stored",
               {{"event_id", event_id}, {"error", delivered.ToString()}});
    // yjiyun will not push it again; a message is fetched by a gap fill,
    // which the reconnect thread runs soon.
    if (message_ms > 0) {
      gap_pending_ = true;
      cursor_ms_ = std::min(cursor_ms_, message_ms);
      wake_ = true;
    }
    return;
  }
  if (!gap_pending_ && message_ms > 0) cursor_ms_ = std::max(cursor_ms_, message_ms);
}

bool YjiyunChannel::Answer(absl::string_view event, const json& payload) {
  const std::string key = PendingKey(event, JsonString(payload, "messageId"));
  absl::MutexLock lock(&mu_);
  const auto it = pending_.find(key);
  if (it == pending_.end()) return false;
  it->second->answer = payload;
  it->second->answered.Notify();
  pending_.erase(it);
  return true;
}

void YjiyunChannel::OnMessage(const json& payload) {
  if (stopping()) return;
  // The echo (or refusal) of a send answers its request at once (the gap
  // fill below may take long) and is an event too, except a refusal of the
  // token that a request is waiting for: it goes again with a renewed token,
  // and its echo, under the same messageId, is the event.
  if (Answer("message", payload) && JsonInt(payload, "code") == kYjiyunAuthFailed) return;
  FillGapIfPending();
  absl::StatusOr<VendorEvent> event = NormalizeYjiyunMessage(payload);
  if (!event.ok()) {
    Malformed("message", event.status());
    return;
  }
  DeliverLive(*std::move(event), std::max<int64_t>(0, JsonInt(payload, "timestamp")));
}

void YjiyunChannel::OnAction(const json& payload) {
  if (stopping()) return;
  if (Answer("action", payload)) return;
  FillGapIfPending();
  absl::StatusOr<std::vector<VendorEvent>> events = NormalizeYjiyunAction(payload);
  if (!events.ok()) {
    Malformed("action", events.status());
    return;
  }
  for (VendorEvent& event : *events) DeliverLive(std::move(event), /*message_ms=*/0);
}

absl::StatusOr<json> YjiyunChannel::Request(absl::string_view event, const json& given) {
  const std::string message_id = JsonString(given, "messageId");
  if (message_id.empty()) return absl::InvalidArgumentError("request has no messageId");
  const std::string type = JsonString(given, "type");
  // "action robot.cust.tags", or "message" for a send.
  const std::string what = type.empty() ? std::string(event) : absl::StrCat(event, " ", type);
  const std::string key = PendingKey(event, message_id);
  json request = given;
  for (int attempt = 1;; ++attempt) {
    auto pending = std::make_shared<Pending>();
    Secret token;
    {
      absl::MutexLock lock(&mu_);
      pending_[key] = pending;
      token = socket_token_;
    }
    const absl::Time start = options_.clock->Now();
    const absl::Status emitted = client_.Emit(event, request);
    bool answered = false;
    if (emitted.ok()) {
      answered = pending->answered.WaitForNotificationWithTimeout(options_.answer_timeout);
      if (options_.metrics != nullptr) {
        const std::string code = answered ? JsonString(pending->answer, "code") : "timeout";
        options_.metrics->VendorCall(kVendor, absl::StrCat("socket ", what),
                                     code.empty() || code == "0" ? "ok" : code,
                                     options_.clock->Now() - start);
      }
    }
    {
      // Only its own entry: a later request may reuse the key.
      absl::MutexLock lock(&mu_);
      const auto it = pending_.find(key);
      if (it != pending_.end() && it->second == pending) pending_.erase(it);
    }
    if (!emitted.ok()) {
      // Not sent: over the bridge while the socket is down.
      if (emitted.code() != absl::StatusCode::kUnavailable) return emitted;
      break;
    }
    if (!answered) {
      return absl::DeadlineExceededError(absl::StrCat(what, ": no answer within ",
                                                      absl::FormatDuration(options_.answer_timeout),
                                                      "; it may have been carried out"));
    }
    if (JsonInt(pending->answer, "code") == kYjiyunAuthFailed && attempt == 1) {
      // The connection's token expired: renewed, and the request (refused,
      // so not carried out) goes once more with the new one.
      api_->TokenRefused(token);
      ASSIGN_OR_RETURN(const Secret renewed, api_->Token());
      request["token"] = renewed.reveal();
      continue;
    }
    RETURN_IF_ERROR(RefusalOf(pending->answer, what));
    return pending->answer;
  }
  ASSIGN_OR_RETURN(YjiyunApi::Answer answer,
                   api_->Call(kBridgePath, request, YjiyunApi::Body::kJson));
  RETURN_IF_ERROR(RefusalOf(answer.body, what));
  return std::move(answer.body);
}

bool YjiyunChannel::connected() const {
  absl::MutexLock lock(&mu_);
  return connected_;
}

int64_t YjiyunChannel::gap_fills() const {
  absl::MutexLock lock(&mu_);
  return gap_fills_;
}

bool YjiyunChannel::WaitUntil(bool connected, int64_t gap_fills, absl::Time deadline) const {
  struct Want {
    const YjiyunChannel* channel;
    bool connected;
    int64_t gap_fills;
  } want{this, connected, gap_fills};
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithDeadline(absl::Condition(
                                   +[](Want* want) ABSL_NO_THREAD_SAFETY_ANALYSIS {
                                     return want->channel->connected_ == want->connected &&
                                            want->channel->gap_fills_ >= want->gap_fills;
                                   },
                                   &want),
                               deadline);
}

}  // namespace wecom::robot
