// A real Prometheus for tests: Debian's `prometheus` in a child process on
// 127.0.0.1 at a port the kernel picks, scraping the given loopback targets
// and evaluating the given rule files, and its HTTP API.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace wecom {
class HttpClient;
}  // namespace wecom

namespace wecom::testing {

// One scrape job with one static target, http://127.0.0.1:<port>/metrics.
struct PrometheusTarget {
  std::string job;
  int port = 0;
  // Target labels every series of the job gets (namespace, pod, ...).
  std::map<std::string, std::string> labels;
};

struct PrometheusOptions {
  std::vector<PrometheusTarget> targets;
  // Absolute paths of rule files to load.
  std::vector<std::string> rule_files;
  absl::Duration scrape_interval = absl::Seconds(1);
  absl::Duration evaluation_interval = absl::Seconds(1);
};

class PrometheusServer {
 public:
  // Starts Prometheus and waits until it is ready (/-/ready). The port is the
  // one Prometheus logs after binding 127.0.0.1:0.
  static absl::StatusOr<std::unique_ptr<PrometheusServer>> Start(PrometheusOptions options);
  ~PrometheusServer();  // SIGKILLs Prometheus

  int port() const { return port_; }

  // GET <path>?<query> of the HTTP API ("/api/v1/query", EncodeQuery(...)):
  // the answer's `data` when its status is "success"; INVALID_ARGUMENT with
  // its errorType and error otherwise.
  absl::StatusOr<nlohmann::json> Api(const std::string& path, const std::string& query = "") const;

  // Waits until the last scrape of every target succeeded.
  absl::Status AwaitTargetsUp(absl::Duration timeout = absl::Seconds(60)) const;
  // Waits until every target has been scraped twice since `since`, so that
  // what the services did before it is in two samples of every series (what
  // rate() needs).
  absl::Status AwaitScrapedTwiceSince(absl::Time since,
                                      absl::Duration timeout = absl::Seconds(30)) const;

  // What Prometheus logged so far, for failure messages.
  std::string Log() const;

 private:
  PrometheusServer(PrometheusOptions options, TempDir directory, std::unique_ptr<HttpClient> http);

  const PrometheusOptions options_;
  TempDir directory_;
  std::unique_ptr<HttpClient> http_;
  int port_ = 0;
  // Declared last: Prometheus is killed before its directory is removed.
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace wecom::testing
