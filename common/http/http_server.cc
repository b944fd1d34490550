#include "common/http/http_server.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace wecom {

HttpServer::HttpServer(int worker_threads) {
  const size_t workers = static_cast<size_t>(std::max(1, worker_threads));
  server_.new_task_queue = [workers] { return new httplib::ThreadPool(workers); };
  // Without TCP_NODELAY a response's body waits up to 40 ms for the client's
  // delayed ACK of its headers (Nagle); clients that keep connections alive
  // (vendors posting callbacks) should not have to reconnect every 5 requests.
  server_.set_tcp_nodelay(true);
  server_.set_keep_alive_max_count(1000);
}

absl::StatusOr<int> HttpServer::Bind(const std::string& host, int port) {
  const int bound =
      port == 0 ? server_.bind_to_any_port(host) : (server_.bind_to_port(host, port) ? port : -1);
  if (bound < 0) return absl::UnavailableError(absl::StrCat("cannot bind ", host, ":", port));
  return bound;
}

absl::Status HttpServer::Serve() {
  {
    absl::MutexLock lock(&mu_);
    if (stop_requested_) return absl::OkStatus();
    serving_ = true;
  }
  const bool clean = server_.listen_after_bind();
  absl::MutexLock lock(&mu_);
  serving_ = false;
  return clean ? absl::OkStatus() : absl::InternalError("the HTTP accept loop failed");
}

void HttpServer::Stop() {
  absl::MutexLock lock(&mu_);
  stop_requested_ = true;
  // httplib ignores stop() until its accept loop is running, so repeat it
  // until Serve has returned.
  while (serving_) {
    server_.stop();
    mu_.AwaitWithTimeout(absl::Condition(
                             +[](bool* serving) { return !*serving; }, &serving_),
                         absl::Milliseconds(20));
  }
}

}  // namespace wecom
