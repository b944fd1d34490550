// SocketIoClient: a socket.io client of one namespace over a WebSocket, for
// servers of socket.io 2 (engine.io v3) and 3/4 (engine.io v4), e.g. yjiyun's
// /imchat channel:
//
//   SocketIoClient client;
//   client.On("message", [&](const nlohmann::json& payload) { ... });
//   client.OnDisconnect([&](DisconnectReason reason, const std::string& detail) { ... });
//   SocketIoOptions options{.url = "http://host:port", .nsp = "/imchat",
//                           .query = {{"msgFilter", "1"}},
//                           .secret_query = {{"token", Secret(token)}}};
//   RETURN_IF_ERROR(client.Connect(options));
//   RETURN_IF_ERROR(client.Emit("message", request));
//
// Connect tries engine.io v4 first and falls back to v3 when the server
// refuses v4 (HTTP 400) or turns out to be socket.io 2. The client never
// reconnects by itself: it reports a lost connection to the disconnect
// handler once, and the owner decides when to Connect again.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/config/secret.h"
#include "common/socketio/heartbeat.h"
#include "common/socketio/socketio_packet.h"
#include "common/time/clock.h"
#include "nlohmann/json.hpp"

namespace wecom::socketio {

class WebSocketConnection;

struct SocketIoOptions {
  // "http://host:port" or "ws://host:port", without a path. https:// and
  // wss:// are refused with UNIMPLEMENTED (no TLS in this build).
  std::string url;
  // The socket.io namespace, "/" or e.g. "/imchat".
  std::string nsp = "/";
  // Query parameters of the handshake (and of a v3 namespace join), e.g.
  // {"msgFilter", "1"}.
  std::vector<std::pair<std::string, std::string>> query;
  // The same for secrets, e.g. {"token", ...}: never logged, and removed from
  // the server's refusal messages.
  std::vector<std::pair<std::string, Secret>> secret_query;
  // Where the server serves engine.io.
  std::string path = "/socket.io/";
  // Bounds the whole Connect, the fallback to v3 included.
  absl::Duration connect_timeout = absl::Seconds(10);
};

// Why a connection ended, named as socket.io clients name it.
enum class DisconnectReason {
  kTransportClose,    // "transport close": the server or the network dropped it
  kPingTimeout,       // "ping timeout": the heartbeat stopped
  kServerDisconnect,  // "io server disconnect": the server left the namespace ("41")
  kClientClose,       // "io client disconnect": Close() or the destructor
};
absl::string_view DisconnectReasonName(DisconnectReason reason);

class SocketIoClient {
 public:
  // The event's first argument (null when it has none): yjiyun's events
  // carry exactly one.
  using EventHandler = std::function<void(const nlohmann::json& payload)>;
  // `detail` adds what the transport said, e.g. the close code.
  using DisconnectHandler = std::function<void(DisconnectReason reason, const std::string& detail)>;

  // `clock` times the heartbeat and must outlive the client.
  explicit SocketIoClient(Clock* clock = RealClock::Get());
  // Closes (the disconnect handler sees kClientClose), runs the handlers of
  // what already arrived, and joins the client's threads. Must not be called
  // from a handler.
  ~SocketIoClient();

  SocketIoClient(const SocketIoClient&) = delete;
  SocketIoClient& operator=(const SocketIoClient&) = delete;

  // Handlers run on one thread of the client, one at a time, in the order
  // the server sent the events, the disconnect after every event before it.
  // They, and whatever they use, must stay valid until the client is
  // destroyed. A handler may Emit, Close and Connect; a slow one delays the
  // rest but not the heartbeat. Registering again replaces the handler.
  // Events without a handler are dropped.
  void On(std::string event, EventHandler handler);
  void OnDisconnect(DisconnectHandler handler);

  // Connects and joins the namespace; waits for the server's answer.
  // Events may reach their handlers before it returns. Fails with:
  // INVALID_ARGUMENT for bad options, UNIMPLEMENTED for TLS URLs,
  // PERMISSION_DENIED when the server refused the namespace (e.g. a bad
  // token; its message, without the secret values), UNAVAILABLE when the
  // server could not be reached or refused or dropped the connection,
  // DEADLINE_EXCEEDED at connect_timeout, FAILED_PRECONDITION while connected
  // or connecting. After a failure or a disconnect it may be called again.
  absl::Status Connect(const SocketIoOptions& options);

  // Sends event `event` with `payload` as its one argument. UNAVAILABLE when
  // not connected; INVALID_ARGUMENT for a payload with non-UTF-8 strings.
  absl::Status Emit(absl::string_view event, const nlohmann::json& payload);

  // Leaves the namespace and closes the connection; the disconnect handler
  // sees kClientClose. Does nothing when not connected.
  void Close();

  bool connected() const;
  // The engine.io version of the current (or last) connection.
  std::optional<EngineIoVersion> engine_io_version() const;

 private:
  enum class State { kIdle, kConnecting, kConnected };

  // What the connection attempt in progress has seen.
  struct Attempt {
    EngineIoVersion version = EngineIoVersion::kV4;
    std::optional<EngineIoOpen> open;
    bool root_connected = false;  // socket.io 2's unsolicited "40"
    bool joined = false;
    bool join_has_sid = false;  // socket.io 3/4 answer a join with {"sid"}
    std::optional<absl::Status> refused;
    std::optional<std::string> lost;
  };

  // One handler call for the dispatch thread.
  struct Delivery {
    std::string event;  // empty for the disconnect
    nlohmann::json payload;
    DisconnectReason reason = DisconnectReason::kTransportClose;
    std::string detail;
  };

  enum class AttemptOutcome { kJoined, kTryV3 };

  absl::StatusOr<AttemptOutcome> ConnectWith(EngineIoVersion version,
                                             const SocketIoOptions& options, absl::Time deadline);
  // Waits until `ready()` by `deadline`; fails when the attempt fails first.
  absl::Status AwaitAttempt(const std::function<bool()>& ready, absl::string_view waiting_for,
                            absl::Time deadline) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Drops the connection of a failed or abandoned attempt.
  void DropConnection() ABSL_LOCKS_EXCLUDED(mu_);

  // The connection's callbacks, on its I/O thread; `generation` tells stale
  // connections' callbacks apart.
  void OnText(uint64_t generation, const std::string& frame) ABSL_LOCKS_EXCLUDED(mu_);
  void OnClosed(uint64_t generation, const std::string& reason) ABSL_LOCKS_EXCLUDED(mu_);
  void OnSocketIoPacket(absl::string_view text) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Send(absl::string_view frame) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Ends a connected session once: reports `reason` and closes the
  // connection. While connecting, fails the attempt instead.
  void EndSession(DisconnectReason reason, std::string detail) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A server message without the secret query values.
  std::string Redact(std::string text) const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  void RunHeartbeat() ABSL_LOCKS_EXCLUDED(mu_);
  void RunDispatch() ABSL_LOCKS_EXCLUDED(mu_);

  Clock* const clock_;

  mutable absl::Mutex mu_;
  State state_ ABSL_GUARDED_BY(mu_) = State::kIdle;
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  std::string nsp_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> secret_values_ ABSL_GUARDED_BY(mu_);
  std::optional<EngineIoVersion> version_ ABSL_GUARDED_BY(mu_);
  Attempt attempt_ ABSL_GUARDED_BY(mu_);
  // Destroyed only outside mu_ (its destructor joins its I/O thread, whose
  // callbacks take mu_), and never on that thread.
  std::unique_ptr<WebSocketConnection> connection_ ABSL_GUARDED_BY(mu_);
  std::optional<Heartbeat> heartbeat_ ABSL_GUARDED_BY(mu_);
  // Wakes the heartbeat thread to look at heartbeat_ again.
  bool heartbeat_changed_ ABSL_GUARDED_BY(mu_) = false;

  absl::flat_hash_map<std::string, EventHandler> handlers_ ABSL_GUARDED_BY(mu_);
  DisconnectHandler disconnect_handler_ ABSL_GUARDED_BY(mu_);
  std::deque<Delivery> deliveries_ ABSL_GUARDED_BY(mu_);

  // Declared last: started once everything above exists.
  std::thread heartbeat_thread_;
  std::thread dispatch_thread_;
};

}  // namespace wecom::socketio
