// websocketpp's asio client (plain TCP) on standalone asio, one io_context
// and thread per connection. Compiled as C++17 (see the header).
#include "common/socketio/websocket_connection.h"

#include <exception>
#include <system_error>
#include <thread>
#include <utility>
#include <websocketpp/client.hpp>
#include <websocketpp/config/asio_no_tls_client.hpp>
#include <websocketpp/uri.hpp>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace wecom::socketio {
namespace {

using Client = websocketpp::client<websocketpp::config::asio_client>;

// How long the destructor lets the closing handshake run before it stops the
// I/O thread regardless.
constexpr absl::Duration kCloseGrace = absl::Seconds(2);

std::string CloseReason(const Client::connection_ptr& connection) {
  const websocketpp::close::status::value code = connection->get_remote_close_code();
  if (code == websocketpp::close::status::abnormal_close ||
      code == websocketpp::close::status::no_status) {
    const std::error_code error = connection->get_ec();
    return error ? absl::StrCat("connection lost: ", error.message()) : "connection lost";
  }
  return absl::StrCat("closed by the server with code ", code);
}

}  // namespace

class WebSocketConnection::Impl {
 public:
  explicit Impl(WebSocketCallbacks callbacks) : callbacks_(std::move(callbacks)) {}

  absl::Status Start(const std::string& url, absl::Duration timeout, WebSocketOpenFailure* failure);
  absl::Status SendText(absl::string_view text);
  void Close();
  // Closes, waits a little for the closing handshake, stops the I/O thread.
  void Shutdown();

 private:
  enum class State { kConnecting, kOpen, kFailed, kClosed };

  void OnOpen();
  void OnFail(websocketpp::connection_hdl handle);
  void OnMessage(Client::message_ptr message);
  void OnClose(websocketpp::connection_hdl handle);

  const WebSocketCallbacks callbacks_;
  Client client_;
  websocketpp::connection_hdl handle_;  // set before the I/O thread starts
  std::thread io_thread_;

  absl::Mutex mu_;
  State state_ ABSL_GUARDED_BY(mu_) = State::kConnecting;
  bool close_requested_ ABSL_GUARDED_BY(mu_) = false;
  std::string failure_reason_ ABSL_GUARDED_BY(mu_);
  int http_status_ ABSL_GUARDED_BY(mu_) = 0;
};

absl::Status WebSocketConnection::Impl::Start(const std::string& url, absl::Duration timeout,
                                              WebSocketOpenFailure* failure) {
  const websocketpp::uri uri(url);
  if (!uri.get_valid()) return absl::InvalidArgumentError("malformed WebSocket URL");
  if (uri.get_secure()) {
    return absl::UnimplementedError("wss:// is not supported (this build has no TLS)");
  }

  std::error_code error;
  // websocketpp's own logs go to stdout and would print the URL (and the
  // token in its query): off.
  client_.clear_access_channels(websocketpp::log::alevel::all);
  client_.clear_error_channels(websocketpp::log::elevel::all);
  client_.init_asio(error);
  if (error) return absl::InternalError(absl::StrCat("asio init failed: ", error.message()));
  client_.set_open_handler([this](websocketpp::connection_hdl) { OnOpen(); });
  client_.set_fail_handler([this](websocketpp::connection_hdl handle) { OnFail(handle); });
  client_.set_close_handler([this](websocketpp::connection_hdl handle) { OnClose(handle); });
  client_.set_message_handler(
      [this](websocketpp::connection_hdl, Client::message_ptr message) { OnMessage(message); });

  Client::connection_ptr connection = client_.get_connection(url, error);
  if (error) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot connect to this WebSocket URL: ", error.message()));
  }
  connection->set_open_handshake_timeout(absl::ToInt64Milliseconds(timeout));
  handle_ = connection->get_handle();
  client_.connect(connection);
  io_thread_ = std::thread([this] {
    std::string failure = "the connection ended before the upgrade";
    try {
      client_.run();
    } catch (const std::exception& e) {
      failure = absl::StrCat("I/O thread failed: ", e.what());
    }
    // Whatever websocketpp did or did not report, nothing is open any more.
    bool report = false;
    {
      absl::MutexLock lock(&mu_);
      if (state_ == State::kConnecting) {
        failure_reason_ = std::move(failure);
        state_ = State::kFailed;
      } else if (state_ == State::kOpen) {
        report = !close_requested_;
        state_ = State::kClosed;
      }
    }
    if (report && callbacks_.on_closed) callbacks_.on_closed("connection lost: I/O stopped");
  });

  absl::MutexLock lock(&mu_);
  const auto settled = [this]()
                           ABSL_SHARED_LOCKS_REQUIRED(mu_) { return state_ != State::kConnecting; };
  if (!mu_.AwaitWithTimeout(absl::Condition(&settled), timeout)) {
    return absl::DeadlineExceededError(
        absl::StrCat("no WebSocket upgrade within ", absl::FormatDuration(timeout)));
  }
  if (state_ == State::kOpen) return absl::OkStatus();
  if (failure != nullptr) failure->http_status = http_status_;
  if (http_status_ != 0) {
    return absl::UnavailableError(
        absl::StrCat("WebSocket upgrade refused with HTTP ", http_status_));
  }
  return absl::UnavailableError(absl::StrCat("WebSocket connection failed: ", failure_reason_));
}

void WebSocketConnection::Impl::OnOpen() {
  absl::MutexLock lock(&mu_);
  // Opened after Open gave up: Shutdown stops it without a handshake.
  if (state_ == State::kConnecting) state_ = close_requested_ ? State::kClosed : State::kOpen;
}

void WebSocketConnection::Impl::OnFail(websocketpp::connection_hdl handle) {
  std::error_code error;
  Client::connection_ptr connection = client_.get_con_from_hdl(handle, error);
  absl::MutexLock lock(&mu_);
  if (connection != nullptr) {
    http_status_ = connection->get_response_code();
    failure_reason_ = connection->get_ec().message();
  } else {
    failure_reason_ = error.message();
  }
  state_ = State::kFailed;
}

void WebSocketConnection::Impl::OnMessage(Client::message_ptr message) {
  // engine.io sends binary frames only for binary packets, which socket.io
  // events of this client never carry.
  if (message->get_opcode() != websocketpp::frame::opcode::text) return;
  if (callbacks_.on_text) callbacks_.on_text(std::move(message->get_raw_payload()));
}

void WebSocketConnection::Impl::OnClose(websocketpp::connection_hdl handle) {
  std::string reason = "connection closed";
  std::error_code error;
  if (Client::connection_ptr connection = client_.get_con_from_hdl(handle, error)) {
    reason = CloseReason(connection);
  }
  bool report = false;
  {
    absl::MutexLock lock(&mu_);
    report = state_ == State::kOpen && !close_requested_;
    state_ = State::kClosed;
  }
  if (report && callbacks_.on_closed) callbacks_.on_closed(std::move(reason));
}

absl::Status WebSocketConnection::Impl::SendText(absl::string_view text) {
  {
    absl::MutexLock lock(&mu_);
    if (state_ != State::kOpen || close_requested_) {
      return absl::UnavailableError("the WebSocket connection is closed");
    }
  }
  std::error_code error;
  client_.send(handle_, text.data(), text.size(), websocketpp::frame::opcode::text, error);
  if (error) {
    return absl::UnavailableError(absl::StrCat("WebSocket send failed: ", error.message()));
  }
  return absl::OkStatus();
}

void WebSocketConnection::Impl::Close() {
  {
    absl::MutexLock lock(&mu_);
    if (close_requested_) return;
    close_requested_ = true;
    if (state_ != State::kOpen) return;
  }
  std::error_code error;  // a connection that closed meanwhile: nothing to do
  client_.close(handle_, websocketpp::close::status::normal, "", error);
}

void WebSocketConnection::Impl::Shutdown() {
  Close();
  {
    // Only an open connection has a closing handshake (started by Close) to
    // wait for.
    absl::MutexLock lock(&mu_);
    const auto ended = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return state_ != State::kOpen; };
    mu_.AwaitWithTimeout(absl::Condition(&ended), kCloseGrace);
  }
  // No thread: Start failed before the endpoint ran (or was even set up).
  if (!io_thread_.joinable()) return;
  client_.stop();
  io_thread_.join();
}

absl::StatusOr<std::unique_ptr<WebSocketConnection>> WebSocketConnection::Open(
    const std::string& url, WebSocketCallbacks callbacks, absl::Duration timeout,
    WebSocketOpenFailure* failure) {
  auto impl = std::make_unique<Impl>(std::move(callbacks));
  if (absl::Status status = impl->Start(url, timeout, failure); !status.ok()) {
    impl->Shutdown();
    return status;
  }
  return std::unique_ptr<WebSocketConnection>(new WebSocketConnection(std::move(impl)));
}

WebSocketConnection::WebSocketConnection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

WebSocketConnection::~WebSocketConnection() { impl_->Shutdown(); }

absl::Status WebSocketConnection::SendText(absl::string_view text) { return impl_->SendText(text); }

void WebSocketConnection::Close() { impl_->Close(); }

}  // namespace wecom::socketio
