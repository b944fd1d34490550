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
#include "services/robot-gateway/platform/vendor_http.h"
#include "services/robot-gateway/platform/vendor_json.h"
#include "services/robot-gateway/yjiyun/yjiyun_event.h"

namespace wecom::robot {
namespace {

using nlohmann::json;

constexpr absl::string_view kVendor = "yjiyun";
constexpr absl::string_view kNamespace = "/imchat";
constexpr absl::string_view kBridgePath = "/wxworkapi/bridge";

// An answer's refusal: FAILED_PRECONDITION with the vendor's code and msg.
absl::Status RefusalOf(const json& answer, absl::string_view what) {
  const std::string code = JsonString(answer, "code");
  if (code.empty() || code == "0") return absl::OkStatus();
  return VendorCallFailure(kVendor, absl::StatusCode::kFailedPrecondition, what,
                           JsonInt(answer, "code"), JsonString(answer, "msg"));
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
  }
  if (reconnects_.joinable()) reconnects_.join();
  client_.Close();
}

absl::Status YjiyunChannel::Start() {
  {
    absl::MutexLock lock(&mu_);
    if (reconnects_.joinable()) return absl::FailedPreconditionError("already started");
    // Nothing before the start is looked for.
    last_message_ms_ = absl::ToUnixMillis(options_.clock->Now());
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
  ASSIGN_OR_RETURN(const Secret token, api_->Token());
  socketio::SocketIoOptions socket;
  socket.url = api_->base_url();
  socket.nsp = std::string(kNamespace);
  if (options_.msg_filter) socket.query.emplace_back("msgFilter", "1");
  socket.secret_query.emplace_back("token", token);
  absl::Status connected = client_.Connect(socket);
  if (connected.code() == absl::StatusCode::kPermissionDenied) {
    // The token was refused: the next attempt authenticates again.
    api_->TokenRefused(token);
  }
  RETURN_IF_ERROR(connected);
  absl::MutexLock lock(&mu_);
  connected_ = true;
  return absl::OkStatus();
}

void YjiyunChannel::RunReconnects() {
  Backoff backoff(options_.reconnect_backoff);
  absl::Time next_attempt = absl::InfinitePast();
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      // Wait for a disconnect, then until the next attempt is due.
      while (!stopping_ && connected_) {
        mu_.Await(absl::Condition(
            +[](YjiyunChannel* self)
                 ABSL_NO_THREAD_SAFETY_ANALYSIS { return self->stopping_ || !self->connected_; },
            this));
        next_attempt = options_.clock->Now() + options_.min_reconnect_delay + backoff.Next();
      }
      if (stopping_) return;
      if (next_attempt == absl::InfinitePast()) {
        // The first Connect failed: retry on the same schedule.
        next_attempt = options_.clock->Now() + options_.min_reconnect_delay + backoff.Next();
      }
      if (!options_.clock->SleepUntil(next_attempt, &mu_, &stopping_)) return;
      if (stopping_) return;
    }
    const absl::Status connected = Connect();
    if (!connected.ok()) {
      log::Warn("yjiyun_reconnect_failed", {{"error", connected.ToString()}});
      next_attempt = options_.clock->Now() + options_.min_reconnect_delay + backoff.Next();
      continue;
    }
    log::Info("yjiyun_reconnected", {});
    backoff.Reset();
    next_attempt = absl::InfinitePast();
    FillGapIfPending();
  }
}

void YjiyunChannel::OnDisconnect(socketio::DisconnectReason reason, const std::string& detail) {
  log::Warn("yjiyun_disconnected",
            {{"reason", std::string(socketio::DisconnectReasonName(reason))}, {"detail", detail}});
  absl::MutexLock lock(&mu_);
  connected_ = false;
  // Set here, before any reconnect, so that no event after it can overtake
  // the gap's messages.
  gap_pending_ = true;
}

void YjiyunChannel::FillGapIfPending() {
  absl::MutexLock fill(&fill_mu_);
  int64_t since_ms = 0;
  {
    absl::MutexLock lock(&mu_);
    if (!gap_pending_ || !connected_) return;
    since_ms = last_message_ms_;
  }
  absl::StatusOr<int64_t> newest_ms = FillGap(since_ms);
  absl::MutexLock lock(&mu_);
  if (!newest_ms.ok()) {
    // Tried again before the next event, or after the next reconnect.
    log::Error("yjiyun_gap_fill_failed", {{"error", newest_ms.status().ToString()}});
    return;
  }
  gap_pending_ = false;
  last_message_ms_ = std::max(last_message_ms_, *newest_ms);
  ++gap_fills_;
}

absl::StatusOr<int64_t> YjiyunChannel::FillGap(int64_t since_ms) {
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
    if (older_reached || !new_chats || items.size() < static_cast<size_t>(count)) break;
  }
  // Their messages in the gap, delivered oldest first.
  std::vector<json> messages;
  for (const Chat& chat : chats) {
    for (int offset = 0;; offset += count) {
      ASSIGN_OR_RETURN(const YjiyunApi::Answer page,
                       api_->Call("/wxworkapi/chat/message", {{"robotKey", chat.robot_key},
                                                              {"chatUser", chat.chat_user},
                                                              {"s_timestamp", since_ms},
                                                              {"offset", offset},
                                                              {"count", count}}));
      // Newest first: a message arriving meanwhile shifts the pages, so one
      // may come twice (the log drops it), never be skipped.
      const json& items = JsonArray(page.body, "model");
      messages.insert(messages.end(), items.begin(), items.end());
      if (items.size() < static_cast<size_t>(count)) break;
    }
  }
  std::stable_sort(messages.begin(), messages.end(), [](const json& a, const json& b) {
    return JsonInt(a, "timestamp") < JsonInt(b, "timestamp");
  });
  int64_t newest_ms = since_ms;
  for (const json& message : messages) {
    absl::StatusOr<VendorEvent> event = NormalizeYjiyunMessage(message);
    if (!event.ok()) {
      log::Warn("yjiyun_message_malformed", {{"error", event.status().ToString()}});
      continue;
    }
    // A message not stored fails the fill, which then starts here again.
    RETURN_IF_ERROR(sink_->Deliver(*std::move(event)));
    newest_ms = std::max(newest_ms, JsonInt(message, "timestamp"));
  }
  return newest_ms;
}

void YjiyunChannel::DeliverLive(VendorEvent event, int64_t message_ms) {
  const std::string event_id = event.event.event_id();
  const absl::Status delivered = sink_->Deliver(std::move(event));
  absl::MutexLock lock(&mu_);
  if (!delivered.ok()) {
    // yjiyun will not send it again: a gap fill looks for it before the next
    // event.
    log::Error("yjiyun_event_not_stored",
               {{"event_id", event_id}, {"error", delivered.ToString()}});
    gap_pending_ = true;
    last_message_ms_ = std::min(last_message_ms_, message_ms);
    return;
  }
  if (!gap_pending_) last_message_ms_ = std::max(last_message_ms_, message_ms);
}

bool YjiyunChannel::Answer(const json& payload) {
  const std::string message_id = JsonString(payload, "messageId");
  absl::MutexLock lock(&mu_);
  const auto it = pending_.find(message_id);
  if (it == pending_.end()) return false;
  it->second->answer = payload;
  it->second->answered.Notify();
  pending_.erase(it);
  return true;
}

void YjiyunChannel::OnMessage(const json& payload) {
  FillGapIfPending();
  // The echo (or refusal) of a send answers its request and is an event too.
  Answer(payload);
  absl::StatusOr<VendorEvent> event = NormalizeYjiyunMessage(payload);
  if (!event.ok()) {
    log::Warn("yjiyun_message_malformed", {{"error", event.status().ToString()}});
    return;
  }
  DeliverLive(*std::move(event), JsonInt(payload, "timestamp"));
}

void YjiyunChannel::OnAction(const json& payload) {
  FillGapIfPending();
  if (Answer(payload)) return;
  absl::StatusOr<std::vector<VendorEvent>> events = NormalizeYjiyunAction(payload);
  if (!events.ok()) {
    log::Warn("yjiyun_action_malformed", {{"error", events.status().ToString()}});
    return;
  }
  for (VendorEvent& event : *events) {
    const int64_t at_ms = event.event.occurred_at_ms();
    DeliverLive(std::move(event), at_ms);
  }
}

absl::StatusOr<json> YjiyunChannel::Request(absl::string_view event, const json& request) {
  const std::string message_id = JsonString(request, "messageId");
  if (message_id.empty()) return absl::InvalidArgumentError("request has no messageId");
  const std::string what = absl::StrCat(event, " ", JsonString(request, "type"));
  auto pending = std::make_shared<Pending>();
  {
    absl::MutexLock lock(&mu_);
    pending_[message_id] = pending;
  }
  if (client_.Emit(event, request).ok()) {
    if (pending->answered.WaitForNotificationWithTimeout(options_.answer_timeout)) {
      RETURN_IF_ERROR(RefusalOf(pending->answer, what));
      return pending->answer;
    }
    absl::MutexLock lock(&mu_);
    pending_.erase(message_id);
    return absl::DeadlineExceededError(absl::StrCat(what, ": no answer within ",
                                                    absl::FormatDuration(options_.answer_timeout),
                                                    "; it may have been carried out"));
  }
  {
    // Not sent: the socket is down.
    absl::MutexLock lock(&mu_);
    pending_.erase(message_id);
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
