#include "emulators/quntool/webhook_poster.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "httplib.h"

namespace wecom::quntool {

WebhookPoster::WebhookPoster(std::string url, int attempts, absl::Duration retry_delay)
    : attempts_(attempts), retry_delay_(retry_delay), url_(std::move(url)) {
  worker_ = std::thread([this] { Deliver(); });
}

WebhookPoster::~WebhookPoster() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (worker_.joinable()) worker_.join();
}

void WebhookPoster::Post(std::string json_body) {
  absl::MutexLock lock(&mu_);
  if (url_.empty()) return;
  queue_.push_back(std::move(json_body));
}

void WebhookPoster::SetUrl(std::string url) {
  absl::MutexLock lock(&mu_);
  url_ = std::move(url);
}

std::string WebhookPoster::url() const {
  absl::MutexLock lock(&mu_);
  return url_;
}

int64_t WebhookPoster::dropped() const {
  absl::MutexLock lock(&mu_);
  return dropped_;
}

void WebhookPoster::Deliver() {
  for (;;) {
    std::string body;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](WebhookPoster* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
            return self->stopping_ || !self->queue_.empty();
          },
          this));
      if (queue_.empty()) return;  // stopping, and everything delivered
      body = std::move(queue_.front());
      queue_.pop_front();
    }
    bool delivered = false;
    for (int attempt = 1; attempt <= attempts_ && !delivered; ++attempt) {
      const std::string target = url();
      if (target.empty()) break;
      delivered = SendOnce(target, body);
      if (!delivered && attempt < attempts_) absl::SleepFor(retry_delay_ * attempt);
    }
    if (!delivered) {
      absl::MutexLock lock(&mu_);
      ++dropped_;
    }
  }
}

bool WebhookPoster::SendOnce(const std::string& target, const std::string& body) {
  // "http://host:port/path": httplib's client takes the scheme-host-port part
  // and the path apart.
  const size_t scheme_end = target.find("://");
  const size_t path_start = target.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
  const std::string origin = target.substr(0, path_start);
  const std::string path = path_start == std::string::npos ? "/" : target.substr(path_start);
  httplib::Client client(origin);
  client.set_connection_timeout(2);
  client.set_read_timeout(5);
  const httplib::Result result = client.Post(path, body, "application/json");
  return result && result->status >= 200 && result->status < 300;
}

}  // namespace wecom::quntool
