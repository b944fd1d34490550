// WebSocketConnection: one client WebSocket connection with its own I/O
// thread, for the socket.io client. Plain ws:// only: this build carries no
// TLS, so wss:// URLs are refused with UNIMPLEMENTED.
//
// This header does not include websocketpp: websocketpp 0.8.2 does not compile
// as C++20 with GCC 12, so its code lives in its own C++17 library
// (wecom_websocket) behind this interface.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace wecom::socketio {

struct WebSocketCallbacks {
  // Every text frame, in arrival order, on the connection's I/O thread. It
  // may call SendText and Close; it must not destroy the connection.
  std::function<void(std::string text)> on_text;
  // Once, on the I/O thread, when an open connection ends other than by
  // Close(): `reason` says how (the server's close code, a network error).
  std::function<void(std::string reason)> on_closed;
};

// Why Open failed, besides the status: the HTTP status of a refused upgrade.
struct WebSocketOpenFailure {
  // 0 when the server never answered the upgrade request with a status.
  int http_status = 0;
};

class WebSocketConnection {
 public:
  // Connects to `url` (ws://host:port/path?query) and waits up to `timeout`
  // for the upgrade. Fails with UNIMPLEMENTED for wss://, INVALID_ARGUMENT
  // for a malformed URL, UNAVAILABLE when the connection failed or the server
  // refused the upgrade (its HTTP status then in `*failure`, when given),
  // DEADLINE_EXCEEDED at the timeout. Messages never contain the URL (its
  // query may carry a token).
  static absl::StatusOr<std::unique_ptr<WebSocketConnection>> Open(
      const std::string& url, WebSocketCallbacks callbacks, absl::Duration timeout,
      WebSocketOpenFailure* failure = nullptr);

  // Closes the connection and joins the I/O thread: no callback runs
  // afterwards. Must not run on the I/O thread.
  ~WebSocketConnection();

  WebSocketConnection(const WebSocketConnection&) = delete;
  WebSocketConnection& operator=(const WebSocketConnection&) = delete;

  // Queues one text frame; thread-safe and never blocks on the network.
  // UNAVAILABLE once the connection is closed.
  absl::Status SendText(absl::string_view text);

  // Starts the closing handshake and returns at once; on_closed is not
  // called for it. Thread-safe; later calls do nothing.
  void Close();

 private:
  class Impl;

  explicit WebSocketConnection(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace wecom::socketio
