// Three kinds of threads meet here, all under mu_:
//   - the connection's I/O thread (OnText, OnClosed) decodes frames, answers
//     v4 pings and queues events;
//   - the heartbeat thread sleeps on the Clock until the Heartbeat's next
//     deadline, sends v3 pings and ends a silent session;
//   - the dispatch thread runs the handlers, outside mu_, one at a time.
// Connect runs on the caller's thread and waits for the I/O thread's
// findings (attempt_) with a deadline.
#include "common/socketio/socket_io_client.h"

#include <algorithm>
#include <exception>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "common/http/http_client.h"
#include "common/log/log.h"
#include "common/socketio/websocket_connection.h"
#include "common/status/status_macros.h"

namespace wecom::socketio {
namespace {

// "ws://host:port" from "http://host:port" or "ws://host:port".
absl::StatusOr<std::string> WebSocketBase(absl::string_view url) {
  absl::string_view authority = url;
  if (absl::StartsWith(url, "https://") || absl::StartsWith(url, "wss://")) {
    return absl::UnimplementedError("TLS (https://, wss://) is not supported");
  }
  if (!absl::ConsumePrefix(&authority, "http://") && !absl::ConsumePrefix(&authority, "ws://")) {
    return absl::InvalidArgumentError("socket.io url must start with http:// or ws://");
  }
  absl::ConsumeSuffix(&authority, "/");
  if (authority.empty() || authority.find_first_of("/?#@ ") != absl::string_view::npos) {
    return absl::InvalidArgumentError("socket.io url must be http://host[:port] without a path");
  }
  return absl::StrCat("ws://", authority);
}

absl::Status CheckNamespace(absl::string_view nsp) {
  if (nsp.empty() || nsp[0] != '/' || nsp.find_first_of(",?#") != absl::string_view::npos) {
    return absl::InvalidArgumentError("socket.io namespace must start with / and hold no , ? #");
  }
  return absl::OkStatus();
}

// "k=v&token=..." of the options' parameters, percent-encoded.
std::string QueryOf(const SocketIoOptions& options) {
  std::vector<std::string> parts;
  for (const auto& [name, value] : options.query) {
    parts.push_back(absl::StrCat(UrlEncode(name), "=", UrlEncode(value)));
  }
  for (const auto& [name, value] : options.secret_query) {
    parts.push_back(absl::StrCat(UrlEncode(name), "=", UrlEncode(value.reveal())));
  }
  return absl::StrJoin(parts, "&");
}

// What a connect error packet says: socket.io 3/4 send {message, data},
// socket.io 2 whatever the server's middleware gave (yjiyun: {code, msg}).
std::string RefusalText(const nlohmann::json& data) {
  if (data.is_string()) return data.get<std::string>();
  std::string text = "no reason given";
  for (const char* field : {"message", "msg"}) {
    if (const auto it = data.find(field); it != data.end() && it->is_string()) {
      text = it->get<std::string>();
      break;
    }
  }
  const nlohmann::json* details = &data;
  if (const auto it = data.find("data"); it != data.end() && it->is_object()) details = &*it;
  if (const auto code = details->find("code"); code != details->end()) {
    absl::StrAppend(&text, " (code ", code->is_string() ? code->get<std::string>() : code->dump(),
                    ")");
  }
  return text;
}

std::string JoinPacket(EngineIoVersion version, absl::string_view nsp, std::string query) {
  SocketIoPacket join;
  join.type = SocketIoPacketType::kConnect;
  join.nsp = std::string(nsp);
  // socket.io 2 reads the namespace's query from the join packet (and the
  // handshake's); socket.io 3/4 read the handshake's and take an auth object.
  if (version == EngineIoVersion::kV3) {
    join.nsp_query = std::move(query);
  } else {
    join.data = nlohmann::json::object();
  }
  // Cannot fail: the namespace was checked and the data is an empty object.
  return EncodeEngineIoPacket(EngineIoPacketType::kMessage, *EncodeSocketIoPacket(join));
}

std::string LeavePacket(absl::string_view nsp) {
  SocketIoPacket leave;
  leave.type = SocketIoPacketType::kDisconnect;
  leave.nsp = std::string(nsp);
  return EncodeEngineIoPacket(EngineIoPacketType::kMessage, *EncodeSocketIoPacket(leave));
}

}  // namespace

absl::string_view DisconnectReasonName(DisconnectReason reason) {
  switch (reason) {
    case DisconnectReason::kTransportClose:
      return "transport close";
    case DisconnectReason::kPingTimeout:
      return "ping timeout";
    case DisconnectReason::kServerDisconnect:
      return "io server disconnect";
    case DisconnectReason::kClientClose:
      return "io client disconnect";
  }
  return "unknown";
}

SocketIoClient::SocketIoClient(Clock* clock) : clock_(clock) {
  heartbeat_thread_ = std::thread([this] { RunHeartbeat(); });
  dispatch_thread_ = std::thread([this] { RunDispatch(); });
}

SocketIoClient::~SocketIoClient() {
  Close();
  {
    absl::MutexLock lock(&mu_);
    shutting_down_ = true;
    heartbeat_changed_ = true;
  }
  DropConnection();
  heartbeat_thread_.join();
  dispatch_thread_.join();
}

void SocketIoClient::On(std::string event, EventHandler handler) {
  absl::MutexLock lock(&mu_);
  handlers_[std::move(event)] = std::move(handler);
}

void SocketIoClient::OnDisconnect(DisconnectHandler handler) {
  absl::MutexLock lock(&mu_);
  disconnect_handler_ = std::move(handler);
}

absl::Status SocketIoClient::Connect(const SocketIoOptions& options) {
  RETURN_IF_ERROR(CheckNamespace(options.nsp));
  RETURN_IF_ERROR(WebSocketBase(options.url).status());
  {
    absl::MutexLock lock(&mu_);
    if (shutting_down_ || state_ != State::kIdle) {
      return absl::FailedPreconditionError("the socket.io client is connected or connecting");
    }
    state_ = State::kConnecting;
    nsp_ = options.nsp;
    secret_values_.clear();
    for (const auto& [name, value] : options.secret_query) {
      if (value.empty()) continue;
      secret_values_.push_back(value.reveal());
      secret_values_.push_back(UrlEncode(value.reveal()));
    }
  }
  DropConnection();  // the previous session's

  const absl::Time deadline = absl::Now() + options.connect_timeout;
  absl::StatusOr<AttemptOutcome> outcome = ConnectWith(EngineIoVersion::kV4, options, deadline);
  if (outcome.ok() && *outcome == AttemptOutcome::kTryV3) {
    outcome = ConnectWith(EngineIoVersion::kV3, options, deadline);
  }
  absl::Status status = outcome.status();
  {
    absl::MutexLock lock(&mu_);
    // The session may have ended between the join and now.
    if (status.ok() && attempt_.lost.has_value()) status = absl::UnavailableError(*attempt_.lost);
    if (status.ok()) {
      state_ = State::kConnected;
      version_ = attempt_.version;
      log::Info("socketio_connected",
                {{"nsp", nsp_}, {"engine_io", static_cast<int>(attempt_.version)}});
      return absl::OkStatus();
    }
    state_ = State::kIdle;
    ++generation_;  // what the failed connection still sends is ignored
    heartbeat_.reset();
    heartbeat_changed_ = true;
    log::Warn("socketio_connect_failed", {{"nsp", nsp_}, {"error", status.ToString()}});
  }
  DropConnection();
  return status;
}

absl::StatusOr<SocketIoClient::AttemptOutcome> SocketIoClient::ConnectWith(
    EngineIoVersion version, const SocketIoOptions& options, absl::Time deadline) {
  ASSIGN_OR_RETURN(const std::string base, WebSocketBase(options.url));
  const std::string query = QueryOf(options);
  const std::string url = absl::StrCat(base, options.path, "?EIO=", static_cast<int>(version),
                                       "&transport=websocket", query.empty() ? "" : "&", query);
  uint64_t generation = 0;
  {
    absl::MutexLock lock(&mu_);
    generation = ++generation_;
    attempt_ = Attempt{.version = version};
    heartbeat_.reset();
    heartbeat_changed_ = true;
  }
  WebSocketCallbacks callbacks{
      .on_text = [this, generation](std::string text) { OnText(generation, text); },
      .on_closed = [this, generation](std::string reason) { OnClosed(generation, reason); },
  };
  WebSocketOpenFailure failure;
  absl::StatusOr<std::unique_ptr<WebSocketConnection>> connection = WebSocketConnection::Open(
      url, std::move(callbacks), std::max(deadline - absl::Now(), absl::ZeroDuration()), &failure);
  if (!connection.ok()) {
    // engine.io servers that speak only v3 answer EIO=4 with 400.
    if (version == EngineIoVersion::kV4 && failure.http_status == 400) {
      log::Info("socketio_engine_io_v4_refused", {{"nsp", options.nsp}});
      return AttemptOutcome::kTryV3;
    }
    return connection.status();
  }

  bool socket_io_2 = false;
  {
    absl::MutexLock lock(&mu_);
    connection_ = *std::move(connection);
    RETURN_IF_ERROR(
        AwaitAttempt([this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return attempt_.open.has_value(); },
                     "engine.io open packet", deadline));
    // socket.io 2 joins "/" by itself; every other join is asked for.
    if (version == EngineIoVersion::kV4 || nsp_ != "/") Send(JoinPacket(version, nsp_, query));
    RETURN_IF_ERROR(AwaitAttempt([this]()
                                     ABSL_SHARED_LOCKS_REQUIRED(mu_) { return attempt_.joined; },
                                 "namespace join answer", deadline));
    if (version == EngineIoVersion::kV3) return AttemptOutcome::kJoined;
    // engine.io 3 accepts EIO=4 and then speaks v3: socket.io 2 gives itself
    // away by joining "/" unasked and by answering the join without a sid.
    socket_io_2 = (nsp_ != "/" && attempt_.root_connected) || !attempt_.join_has_sid;
    if (!socket_io_2) return AttemptOutcome::kJoined;
    // Leave before closing: socket.io 2.5 otherwise keeps a ghost socket.
    Send(LeavePacket(nsp_));
    ++generation_;
  }
  log::Info("socketio_server_is_socket_io_2", {{"nsp", options.nsp}});
  DropConnection();
  return AttemptOutcome::kTryV3;
}

absl::Status SocketIoClient::AwaitAttempt(const std::function<bool()>& ready,
                                          absl::string_view waiting_for, absl::Time deadline) {
  const auto settled = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return ready() || attempt_.refused.has_value() || attempt_.lost.has_value() || shutting_down_;
  };
  if (!mu_.AwaitWithDeadline(absl::Condition(&settled), deadline)) {
    return absl::DeadlineExceededError(
        absl::StrCat("no ", waiting_for, " from the socket.io server in time"));
  }
  if (attempt_.refused.has_value()) return *attempt_.refused;
  if (attempt_.lost.has_value()) return absl::UnavailableError(*attempt_.lost);
  if (shutting_down_) return absl::CancelledError("the socket.io client is shutting down");
  return absl::OkStatus();
}

void SocketIoClient::DropConnection() {
  std::unique_ptr<WebSocketConnection> connection;
  {
    absl::MutexLock lock(&mu_);
    connection = std::move(connection_);
  }
  connection.reset();
}

void SocketIoClient::OnText(uint64_t generation, const std::string& frame) {
  absl::MutexLock lock(&mu_);
  if (generation != generation_) return;
  absl::StatusOr<EngineIoPacket> packet = DecodeEngineIoPacket(frame);
  if (!packet.ok()) {
    log::Warn("socketio_bad_packet", {{"nsp", nsp_}, {"error", packet.status().message()}});
    return;
  }
  switch (packet->type) {
    case EngineIoPacketType::kOpen: {
      if (state_ != State::kConnecting || attempt_.open.has_value()) return;
      absl::StatusOr<EngineIoOpen> open = DecodeEngineIoOpen(packet->data);
      if (!open.ok()) {
        attempt_.lost = absl::StrCat("bad engine.io open packet: ", open.status().message());
        return;
      }
      heartbeat_.emplace(attempt_.version, open->ping_interval, open->ping_timeout, clock_);
      heartbeat_changed_ = true;
      attempt_.open = *std::move(open);
      return;
    }
    case EngineIoPacketType::kPing:
      if (heartbeat_.has_value()) heartbeat_->OnPing();
      Send(EncodeEngineIoPacket(EngineIoPacketType::kPong, packet->data));
      return;
    case EngineIoPacketType::kPong:
      if (heartbeat_.has_value()) heartbeat_->OnPong();
      heartbeat_changed_ = true;
      return;
    case EngineIoPacketType::kClose:
      EndSession(DisconnectReason::kTransportClose, "the server closed the engine.io session");
      return;
    case EngineIoPacketType::kMessage:
      OnSocketIoPacket(packet->data);
      return;
    case EngineIoPacketType::kUpgrade:
    case EngineIoPacketType::kNoop:
      return;
  }
}

void SocketIoClient::OnSocketIoPacket(absl::string_view text) {
  absl::StatusOr<SocketIoPacket> packet = DecodeSocketIoPacket(text);
  if (!packet.ok()) {
    log::Warn("socketio_bad_packet", {{"nsp", nsp_}, {"error", packet.status().message()}});
    return;
  }
  const bool ours = packet->nsp == nsp_;
  switch (packet->type) {
    case SocketIoPacketType::kConnect:
      if (state_ != State::kConnecting) return;
      if (!ours) {
        attempt_.root_connected = attempt_.root_connected || packet->nsp == "/";
        return;
      }
      attempt_.joined = true;
      attempt_.join_has_sid = packet->data.is_object() && packet->data.contains("sid");
      return;
    case SocketIoPacketType::kConnectError:
      if (!ours || state_ != State::kConnecting) return;
      attempt_.refused = absl::PermissionDeniedError(absl::StrCat(
          "the server refused namespace ", nsp_, ": ", Redact(RefusalText(packet->data))));
      return;
    case SocketIoPacketType::kDisconnect:
      if (ours) EndSession(DisconnectReason::kServerDisconnect, "the server left the namespace");
      return;
    case SocketIoPacketType::kEvent:
      if (!ours || (state_ != State::kConnected && !attempt_.joined)) return;
      deliveries_.push_back(Delivery{
          .event = packet->data[0].get<std::string>(),
          .payload = packet->data.size() > 1 ? std::move(packet->data[1]) : nlohmann::json(),
      });
      return;
    case SocketIoPacketType::kAck:  // this client asks for none
    case SocketIoPacketType::kBinaryEvent:
    case SocketIoPacketType::kBinaryAck:
      return;
  }
}

void SocketIoClient::OnClosed(uint64_t generation, const std::string& reason) {
  absl::MutexLock lock(&mu_);
  if (generation != generation_) return;
  EndSession(DisconnectReason::kTransportClose, reason);
}

void SocketIoClient::Send(absl::string_view frame) {
  // A failed send means the connection is going: its close is reported.
  if (connection_ != nullptr) connection_->SendText(frame).IgnoreError();
}

void SocketIoClient::EndSession(DisconnectReason reason, std::string detail) {
  if (state_ == State::kConnecting) {
    if (!attempt_.lost.has_value()) {
      attempt_.lost = absl::StrCat(DisconnectReasonName(reason), ": ", detail);
    }
    return;
  }
  if (state_ != State::kConnected) return;
  state_ = State::kIdle;
  ++generation_;  // the closing connection's last frames are ignored
  heartbeat_.reset();
  heartbeat_changed_ = true;
  if (connection_ != nullptr) connection_->Close();
  log::Info("socketio_disconnected",
            {{"nsp", nsp_}, {"reason", DisconnectReasonName(reason)}, {"detail", detail}});
  deliveries_.push_back(Delivery{.reason = reason, .detail = std::move(detail)});
}

std::string SocketIoClient::Redact(std::string text) const {
  for (const std::string& secret : secret_values_) {
    text = absl::StrReplaceAll(text, {{secret, "[redacted]"}});
  }
  return text;
}

absl::Status SocketIoClient::Emit(absl::string_view event, const nlohmann::json& payload) {
  absl::MutexLock lock(&mu_);
  if (state_ != State::kConnected) {
    return absl::UnavailableError("the socket.io client is not connected");
  }
  ASSIGN_OR_RETURN(const std::string frame, EncodeEventFrame(nsp_, event, payload));
  return connection_->SendText(frame);
}

void SocketIoClient::Close() {
  absl::MutexLock lock(&mu_);
  if (state_ != State::kConnected) return;
  Send(LeavePacket(nsp_));
  EndSession(DisconnectReason::kClientClose, "closed by the client");
}

bool SocketIoClient::connected() const {
  absl::MutexLock lock(&mu_);
  return state_ == State::kConnected;
}

std::optional<EngineIoVersion> SocketIoClient::engine_io_version() const {
  absl::MutexLock lock(&mu_);
  return version_;
}

void SocketIoClient::RunHeartbeat() {
  absl::MutexLock lock(&mu_);
  while (!shutting_down_) {
    if (!heartbeat_.has_value()) {
      const auto woken = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return heartbeat_.has_value() || shutting_down_;
      };
      mu_.Await(absl::Condition(&woken));
      continue;
    }
    heartbeat_changed_ = false;
    clock_->SleepUntil(heartbeat_->NextDeadline(), &mu_, &heartbeat_changed_);
    if (shutting_down_ || heartbeat_changed_ || !heartbeat_.has_value()) continue;
    switch (heartbeat_->Poll()) {
      case Heartbeat::Action::kSendPing:
        Send(EncodeEngineIoPacket(EngineIoPacketType::kPing));
        break;
      case Heartbeat::Action::kDead:
        EndSession(DisconnectReason::kPingTimeout, "the server's heartbeat stopped");
        break;
      case Heartbeat::Action::kNone:
        break;
    }
  }
}

void SocketIoClient::RunDispatch() {
  for (;;) {
    Delivery delivery;
    EventHandler event_handler;
    DisconnectHandler disconnect_handler;
    {
      absl::MutexLock lock(&mu_);
      const auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return !deliveries_.empty() || shutting_down_;
      };
      mu_.Await(absl::Condition(&ready));
      if (deliveries_.empty()) return;  // shutting down, and everything delivered
      delivery = std::move(deliveries_.front());
      deliveries_.pop_front();
      if (delivery.event.empty()) {
        disconnect_handler = disconnect_handler_;
      } else if (const auto it = handlers_.find(delivery.event); it != handlers_.end()) {
        event_handler = it->second;
      }
    }
    // A handler's exception must not take the process down with this thread.
    try {
      if (disconnect_handler) disconnect_handler(delivery.reason, delivery.detail);
      if (event_handler) event_handler(delivery.payload);
    } catch (const std::exception& e) {
      log::Error("socketio_handler_failed", {{"event", delivery.event}, {"error", e.what()}});
    }
  }
}

}  // namespace wecom::socketio
