// The three WeCom HTTP APIs the archive calls, answering for the corps of an
// emulator config over the corp's Corpus: GET /cgi-bin/gettoken,
// GET /cgi-bin/msgaudit/get_robot_info and POST /cgi-bin/msgaudit/groupchat/get.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/http/http_server.h"
#include "emulators/finance-sdk/calls_per_minute_limit.h"
#include "emulators/finance-sdk/corpus.h"
#include "emulators/finance-sdk/emulator_config.h"
#include "httplib.h"

namespace wecom::emulator {

// An HTTP server; answers as the real API does (HTTP 200, errcode in JSON).
class WecomApiServer {
 public:
  explicit WecomApiServer(const EmulatorConfig& config);
  WecomApiServer(const WecomApiServer&) = delete;
  WecomApiServer& operator=(const WecomApiServer&) = delete;

  // Binds host:port; port 0 picks a free port. Returns the bound port.
  absl::StatusOr<int> Bind(const std::string& host, int port) { return http_.Bind(host, port); }
  // Serves requests until Stop(); call after Bind.
  absl::Status Serve() { return http_.Serve(); }
  // Makes Serve return (or not start). Thread-safe.
  void Stop() { http_.Stop(); }
  // The server itself, for ServeUntilSignalled.
  HttpServer& http_server() { return http_; }

 private:
  struct CorpState {
    CorpConfig config;
    Corpus corpus;
    CallsPerMinuteLimit robot_info_limit;
  };
  struct AccessToken {
    CorpState* corp;
    absl::Time expires;
  };

  void GetToken(const httplib::Request& request, httplib::Response& response);
  void GetRobotInfo(const httplib::Request& request, httplib::Response& response);
  void GetGroupChat(const httplib::Request& request, httplib::Response& response);
  // The corp a request's access_token belongs to, or the errcode to answer.
  absl::StatusOr<CorpState*> Authenticate(const httplib::Request& request);

  std::vector<std::unique_ptr<CorpState>> corps_;
  HttpServer http_;

  absl::Mutex mu_;
  absl::flat_hash_map<std::string, AccessToken> tokens_ ABSL_GUARDED_BY(mu_);
};

}  // namespace wecom::emulator
