// WebhookServer: the HTTP endpoint quntool POSTs its callbacks to.
//   POST /quntool/callback/<secret>
//   POST /quntool/callback             with header X-Webhook-Secret: <secret>
// A callback is answered 200 {"code":0,"msg":""} only once the sink has it
// stored, so the vendor delivers again whatever was not. Refusals, each
// counted as GatewayMetrics::WebhookRejected("quntool", reason):
//   401 "secret"          wrong or missing secret
//   413 "too_large"       body over max_body_bytes
//   400 "malformed_json"  body unreadable or not JSON
//   400 "bad_callback"    JSON that is not a callback (the reason says why)
//   500 "store_error"     the sink failed
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/config/secret.h"
#include "common/http/http_server.h"
#include "services/robot-gateway/metrics/gateway_metrics.h"
#include "services/robot-gateway/quntool/quntool_callback.h"

namespace wecom::robot {

struct WebhookOptions {
  // "host:port"; port 0 picks a free port.
  std::string listen_address = "0.0.0.0:8080";
  // Required.
  Secret secret;
  uint64_t max_body_bytes = 1 << 20;
  // Callbacks handled at once (one per connection the vendor keeps open).
  // Each is answered after a synced write; concurrent ones share the sync,
  // so more workers ingest more callbacks per second.
  int workers = 16;
  // http(s)://host:port of the quntool server, which relative file paths in
  // its callbacks hang off.
  std::string quntool_base_url;
};

class WebhookServer {
 public:
  // Binds and serves on a thread of its own. `sink` and `metrics` must
  // outlive the server.
  static absl::StatusOr<std::unique_ptr<WebhookServer>> Start(WebhookOptions options,
                                                              VendorEventSink* sink,
                                                              GatewayMetrics* metrics);
  // Stops serving once the requests in flight are answered.
  ~WebhookServer();

  int port() const { return port_; }

 private:
  WebhookServer(WebhookOptions options, VendorEventSink* sink, GatewayMetrics* metrics)
      : options_(std::move(options)), sink_(sink), metrics_(metrics), http_(options_.workers) {}

  // Answers one POST; `presented_secret` is the one in its path or header.
  void HandleQuntool(const httplib::Request& request, httplib::Response& response,
                     const httplib::ContentReader& read_body, absl::string_view presented_secret);
  void Reject(const httplib::Request& request, httplib::Response& response, int http_status,
              absl::string_view reason, absl::string_view detail);

  const WebhookOptions options_;
  VendorEventSink* const sink_;
  GatewayMetrics* const metrics_;
  HttpServer http_;
  int port_ = 0;
  std::thread serving_;
};

}  // namespace wecom::robot
