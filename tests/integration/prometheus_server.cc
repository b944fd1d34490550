#include "tests/integration/prometheus_server.h"

#include <unistd.h>

#include <fstream>
#include <functional>
#include <iterator>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/http/http_client.h"
#include "common/status/status_macros.h"
#include "tests/support/service_process.h"

namespace wecom::testing {
namespace {

using nlohmann::json;

constexpr absl::Duration kStartTimeout = absl::Seconds(60);
constexpr absl::Duration kPoll = absl::Milliseconds(50);
// What Prometheus 2.42 logs once it has bound --web.listen-address.
constexpr char kListeningMarker[] = "msg=\"Listening on\" address=127.0.0.1:";

std::string Milliseconds(absl::Duration duration) {
  return absl::StrCat(absl::ToInt64Milliseconds(duration), "ms");
}

// prometheus.yml, written as JSON (which is YAML).
json Config(const PrometheusOptions& options) {
  json config = {
      {"global",
       {{"scrape_interval", Milliseconds(options.scrape_interval)},
        {"scrape_timeout", Milliseconds(options.scrape_interval)},
        {"evaluation_interval", Milliseconds(options.evaluation_interval)}}},
      {"rule_files", options.rule_files},
      {"scrape_configs", json::array()},
  };
  for (const PrometheusTarget& target : options.targets) {
    config["scrape_configs"].push_back(
        {{"job_name", target.job},
         {"static_configs",
          {{{"targets", {absl::StrCat("127.0.0.1:", target.port)}}, {"labels", target.labels}}}}});
  }
  return config;
}

// Calls `check` until it returns OK; its last error once `timeout` has passed.
absl::Status PollUntilOk(const std::function<absl::Status()>& check, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    absl::Status status = check();
    if (status.ok() || absl::Now() > deadline) return status;
    absl::SleepFor(kPoll);  // polling a real process, not synchronising threads
  }
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

PrometheusServer::PrometheusServer(PrometheusOptions options, TempDir directory,
                                   std::unique_ptr<HttpClient> http)
    : options_(std::move(options)), directory_(std::move(directory)), http_(std::move(http)) {}

PrometheusServer::~PrometheusServer() = default;

absl::StatusOr<std::unique_ptr<PrometheusServer>> PrometheusServer::Start(
    PrometheusOptions options) {
  const std::string binary = WECOM_PROMETHEUS_BIN;
  if (::access(binary.c_str(), X_OK) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "no prometheus at ", binary, "; scripts/install-deps.sh installs Debian's prometheus"));
  }
  ASSIGN_OR_RETURN(TempDir directory, TempDir::Create("prometheus-"));
  const std::string dir = directory.path();
  RETURN_IF_ERROR(
      WriteTestFile(absl::StrCat(dir, "/prometheus.yml"), Config(options).dump(2), 0644));
  ASSIGN_OR_RETURN(std::unique_ptr<CurlHttpClient> http, CurlHttpClient::Create({}));
  auto server = std::unique_ptr<PrometheusServer>(
      new PrometheusServer(std::move(options), std::move(directory), std::move(http)));
  ASSIGN_OR_RETURN(
      server->process_,
      ChildProcess::Start(
          {binary, absl::StrCat("--config.file=", dir, "/prometheus.yml"),
           absl::StrCat("--storage.tsdb.path=", dir, "/data"), "--web.listen-address=127.0.0.1:0"},
          {}, absl::StrCat(dir, "/prometheus.log")));

  // Prometheus writes nothing to stdout: reading it waits for the next poll
  // and tells when the process exited (a bad config or rule file).
  const absl::Time deadline = absl::Now() + kStartTimeout;
  while (server->port_ == 0) {
    for (absl::string_view line : absl::StrSplit(server->Log(), '\n')) {
      if (const int port = PortAfter(std::string(line), kListeningMarker); port != 0) {
        server->port_ = port;
      }
    }
    if (server->port_ != 0) break;
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("prometheus logged no listening address: ", server->Log()));
    }
    if (absl::IsUnavailable(server->process_->ReadLine(kPoll).status())) {
      return absl::FailedPreconditionError(absl::StrCat("prometheus exited: ", server->Log()));
    }
  }
  while (true) {
    HttpRequest ready;
    ready.url = absl::StrCat("http://127.0.0.1:", server->port_, "/-/ready");
    absl::StatusOr<HttpResponse> response = server->http_->Send(ready);
    if (response.ok() && response->status_code == 200) return server;
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("prometheus not ready in time: ", server->Log()));
    }
    if (absl::IsUnavailable(server->process_->ReadLine(kPoll).status())) {
      return absl::FailedPreconditionError(absl::StrCat("prometheus exited: ", server->Log()));
    }
  }
}

std::string PrometheusServer::Log() const {
  return ReadFile(absl::StrCat(directory_.path(), "/prometheus.log"));
}

absl::StatusOr<json> PrometheusServer::Api(const std::string& path,
                                           const std::string& query) const {
  HttpRequest request;
  request.url = absl::StrCat("http://127.0.0.1:", port_, path, query.empty() ? "" : "?", query);
  ASSIGN_OR_RETURN(HttpResponse response, http_->Send(request));
  // Errors come as JSON too, with HTTP 400, 422 or 503.
  const json body = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) {
    return absl::InternalError(absl::StrCat(path, " answered HTTP ", response.status_code, ": ",
                                            response.body.substr(0, 300)));
  }
  if (body.value("status", "") != "success") {
    return absl::InvalidArgumentError(
        absl::StrCat(body.value("errorType", "?"), ": ", body.value("error", "?")));
  }
  return body.contains("data") ? body["data"] : json(nullptr);
}

absl::Status PrometheusServer::AwaitTargetsUp(absl::Duration timeout) const {
  return PollUntilOk(
      [&]() -> absl::Status {
        ASSIGN_OR_RETURN(const json targets, Api("/api/v1/targets", "state=active"));
        size_t up = 0;
        std::string health;
        for (const json& target : targets["activeTargets"]) {
          if (target.value("health", "") == "up") ++up;
          absl::StrAppend(&health, target["labels"].value("job", "?"), "=",
                          target.value("health", "?"), " ", target.value("lastError", ""), "; ");
        }
        if (up == options_.targets.size()) return absl::OkStatus();
        return absl::UnavailableError(absl::StrCat("targets not up: ", health));
      },
      timeout);
}

absl::Status PrometheusServer::AwaitScrapedTwiceSince(absl::Time since,
                                                      absl::Duration timeout) const {
  // Scrapes of a target start scrape_interval apart: once the newest started
  // an interval after `since`, the one before it started after `since` too.
  const double wanted = absl::ToDoubleSeconds(since - absl::UnixEpoch() + options_.scrape_interval);
  const std::string query =
      absl::StrCat("min(timestamp(up)) and count(up) == ", options_.targets.size());
  return PollUntilOk(
      [&]() -> absl::Status {
        ASSIGN_OR_RETURN(const json newest, Api("/api/v1/query", EncodeQuery({{"query", query}})));
        double seconds = 0;
        if (!newest["result"].empty() &&
            absl::SimpleAtod(newest["result"][0]["value"][1].get<std::string>(), &seconds) &&
            seconds >= wanted) {
          return absl::OkStatus();
        }
        return absl::UnavailableError(
            absl::StrCat("targets not scraped twice since ", wanted, ": ", newest.dump()));
      },
      timeout);
}

}  // namespace wecom::testing
