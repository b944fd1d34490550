// Delivers callbacks to the configured webhook: POSTed as JSON by one
// background thread, in the order they were queued (so in order per account),
// each retried a few times before it is dropped.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace wecom::quntool {

class WebhookPoster {
 public:
  // An empty url makes Post a no-op until SetUrl names one.
  WebhookPoster(std::string url, int attempts,
                absl::Duration retry_delay = absl::Milliseconds(200));
  ~WebhookPoster();  // delivers what is queued (each body's attempts), then stops
  WebhookPoster(const WebhookPoster&) = delete;
  WebhookPoster& operator=(const WebhookPoster&) = delete;

  void Post(std::string json_body);
  // Where later deliveries go ("" drops them), so a test can start the
  // emulator before the webhook whose port it does not know yet.
  void SetUrl(std::string url);
  // Callbacks given up on after every attempt failed.
  int64_t dropped() const;

 private:
  void Deliver();
  bool SendOnce(const std::string& target, const std::string& body);

  std::string url() const;
  const int attempts_;
  const absl::Duration retry_delay_;
  mutable absl::Mutex mu_;
  std::string url_ ABSL_GUARDED_BY(mu_);
  std::deque<std::string> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t dropped_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread worker_;
};

}  // namespace wecom::quntool
