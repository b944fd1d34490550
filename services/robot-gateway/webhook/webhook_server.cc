#include "services/robot-gateway/webhook/webhook_server.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "common/status/status_macros.h"
#include "nlohmann/json.hpp"

namespace wecom::robot {
namespace {

using nlohmann::json;

constexpr char kVendor[] = "quntool";
constexpr char kSecretHeader[] = "X-Webhook-Secret";

struct HostPort {
  std::string host;
  int port = 0;
};

absl::StatusOr<HostPort> ParseListenAddress(absl::string_view address) {
  const size_t colon = address.rfind(':');
  HostPort parsed;
  if (colon == absl::string_view::npos ||
      !absl::SimpleAtoi(address.substr(colon + 1), &parsed.port) || parsed.port < 0 ||
      parsed.port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("webhook listen address \"", address, "\": want host:port"));
  }
  absl::string_view host = address.substr(0, colon);
  // "[::]:8080" binds "::".
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  parsed.host = std::string(host);
  return parsed;
}

void Answer(httplib::Response& response, int http_status, int code, absl::string_view message) {
  response.status = http_status;
  response.set_content(json{{"code", code}, {"msg", std::string(message)}}.dump(
                           -1, ' ', false, json::error_handler_t::replace),
                       "application/json");
}

enum class BodyRead { kComplete, kTooLarge, kUnreadable };

// Reads the body into `body`, up to `cap` bytes. The rest of a longer body is
// read and dropped, so the client can finish sending and gets the answer.
// httplib itself skips a body whose Content-Length passes the cap
// (payload_max_length) and sets 413.
BodyRead ReadBody(const httplib::ContentReader& read_body, uint64_t cap,
                  const httplib::Response& response, std::string& body) {
  bool over_cap = false;
  const bool complete = read_body([&](const char* data, size_t length) {
    over_cap = over_cap || body.size() + length > cap;
    if (over_cap) {
      body.clear();
    } else {
      body.append(data, length);
    }
    return true;
  });
  if (over_cap || response.status == 413) return BodyRead::kTooLarge;
  return complete ? BodyRead::kComplete : BodyRead::kUnreadable;
}

}  // namespace

absl::StatusOr<std::unique_ptr<WebhookServer>> WebhookServer::Start(WebhookOptions options,
                                                                    VendorEventSink* sink,
                                                                    GatewayMetrics* metrics) {
  if (options.secret.empty()) return absl::InvalidArgumentError("webhook secret is required");
  if (sink == nullptr || metrics == nullptr) {
    return absl::InvalidArgumentError("webhook needs a sink and metrics");
  }
  ASSIGN_OR_RETURN(const HostPort listen, ParseListenAddress(options.listen_address));
  std::unique_ptr<WebhookServer> server(new WebhookServer(std::move(options), sink, metrics));
  httplib::Server& http = server->http_.http();
  http.set_payload_max_length(server->options_.max_body_bytes);
  WebhookServer* self = server.get();
  http.Post(R"(/quntool/callback/([^/]+))",
            [self](const httplib::Request& request, httplib::Response& response,
                   const httplib::ContentReader& read_body) {
              self->HandleQuntool(request, response, read_body, request.matches[1].str());
            });
  http.Post(
      "/quntool/callback", [self](const httplib::Request& request, httplib::Response& response,
                                  const httplib::ContentReader& read_body) {
        self->HandleQuntool(request, response, read_body, request.get_header_value(kSecretHeader));
      });
  ASSIGN_OR_RETURN(server->port_, server->http_.Bind(listen.host, listen.port));
  server->serving_ = std::thread([self] {
    if (const absl::Status served = self->http_.Serve(); !served.ok()) {
      log::Error("webhook_serve_failed", {{"error", served.ToString()}});
    }
  });
  return server;
}

WebhookServer::~WebhookServer() {
  http_.Stop();
  if (serving_.joinable()) serving_.join();
}

void WebhookServer::HandleQuntool(const httplib::Request& request, httplib::Response& response,
                                  const httplib::ContentReader& read_body,
                                  absl::string_view presented_secret) {
  // Checked before the body is parsed, so strangers learn nothing about it.
  const bool authorized = options_.secret.Matches(presented_secret);
  std::string body;
  const BodyRead read = ReadBody(read_body, options_.max_body_bytes, response, body);
  if (!authorized) return Reject(request, response, 401, "secret", "unauthorized");
  if (read == BodyRead::kTooLarge) {
    return Reject(request, response, 413, "too_large",
                  absl::StrCat("body over ", options_.max_body_bytes, " bytes"));
  }
  if (read == BodyRead::kUnreadable) {
    return Reject(request, response, 400, "malformed_json", "body unreadable");
  }
  const json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return Reject(request, response, 400, "malformed_json", "body is not JSON");
  }
  absl::StatusOr<VendorEvent> callback =
      NormalizeQuntoolCallback(parsed, options_.quntool_base_url);
  if (!callback.ok()) {
    return Reject(request, response, 400, "bad_callback", callback.status().message());
  }
  if (const absl::Status stored = sink_->Deliver(*std::move(callback)); !stored.ok()) {
    log::Error("webhook_store_failed", {{"vendor", kVendor}, {"error", stored.ToString()}});
    return Reject(request, response, 500, "store_error", "not stored, deliver again");
  }
  Answer(response, 200, 0, "");
}

void WebhookServer::Reject(const httplib::Request& request, httplib::Response& response,
                           int http_status, absl::string_view reason, absl::string_view detail) {
  metrics_->WebhookRejected(kVendor, reason);
  // Never the path: it may hold the secret.
  log::Warn("webhook_rejected", {{"vendor", kVendor},
                                 {"reason", std::string(reason)},
                                 {"detail", std::string(detail)},
                                 {"remote", request.remote_addr}});
  Answer(response, http_status, http_status, detail);
}

}  // namespace wecom::robot
