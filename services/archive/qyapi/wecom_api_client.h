// The WeCom server API calls the archive makes: gettoken,
// msgaudit/get_robot_info and msgaudit/groupchat/get.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/http/http_client.h"
#include "common/ratelimit/token_bucket.h"
#include "common/time/clock.h"
#include "nlohmann/json_fwd.hpp"
#include "services/archive/qyapi/expiring_cache.h"
#include "wecom/archive/v1/archive_service.pb.h"

namespace wecom::archive {

struct WeComApiOptions {
  // Scheme and host (and port) of the API, without a trailing path.
  std::string base_url = "https://qyapi.weixin.qq.com";
  std::string corp_id;
  // The chat archive (会话存档) secret, as the wiring resolved it. Never logged
  // or put in an error.
  std::string corp_secret;
  // get_robot_info calls per minute; the vendor allows 600.
  int robot_info_calls_per_minute = 600;
  // How long robot and group answers are served from memory.
  absl::Duration cache_ttl = absl::Minutes(10);
  // Entries per cache (robots, groups).
  size_t cache_max_entries = 10000;
  // The token is refreshed this long before the expiry the vendor announced
  // (at most half its lifetime).
  absl::Duration token_refresh_margin = absl::Minutes(5);
  // Per HTTP call.
  absl::Duration request_timeout = absl::Seconds(10);
};

// Calls the WeCom API for one corp. Holds the access token, refreshing it
// before expiry and once more when the vendor rejects it; caches answers for
// cache_ttl; paces get_robot_info to its rate limit by blocking the caller.
// Thread-safe.
//
// A non-zero errcode becomes a Status carrying a wecom.common.v1.VendorError
// (vendor "qyapi"): 45009 RESOURCE_EXHAUSTED, -1 (system busy) UNAVAILABLE,
// anything else, a rejected token or secret (40001, 40014, 42001) included,
// FAILED_PRECONDITION. Transport failures are UNAVAILABLE or
// DEADLINE_EXCEEDED, as the HttpClient reports them; an HTTP status other than
// 200 is UNAVAILABLE, and an answer of an unexpected shape INTERNAL.
class WeComApiClient {
 public:
  // `http` and `clock` must outlive the client.
  static absl::StatusOr<std::unique_ptr<WeComApiClient>> Create(WeComApiOptions options,
                                                                HttpClient* http, Clock* clock);

  // msgaudit/get_robot_info: a robot's name and creator.
  absl::StatusOr<v1::GetRobotInfoResponse> GetRobotInfo(absl::string_view robot_id);
  // msgaudit/groupchat/get: an internal group's name, owner, notice, members.
  absl::StatusOr<v1::GetGroupChatResponse> GetGroupChat(absl::string_view roomid);

 private:
  WeComApiClient(WeComApiOptions options, HttpClient* http, Clock* clock);

  // The cached token, fetched first when missing or due for refresh.
  absl::StatusOr<std::string> CurrentToken() ABSL_LOCKS_EXCLUDED(token_mu_);
  // A token other than `rejected`: fetched anew unless another caller already
  // replaced it.
  absl::StatusOr<std::string> ReplaceToken(absl::string_view rejected)
      ABSL_LOCKS_EXCLUDED(token_mu_);
  absl::Status FetchTokenLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(token_mu_);

  // Sends `make_request(token)`; when the vendor rejects the token, replaces
  // it and sends once more.
  absl::StatusOr<nlohmann::json> CallWithToken(
      absl::string_view api,
      const std::function<HttpRequest(absl::string_view token)>& make_request);
  // Sends `request` and returns its JSON answer, or the failure it reports.
  // `token` (may be empty) is scrubbed from vendor messages with the secret.
  absl::StatusOr<nlohmann::json> Call(absl::string_view api, const HttpRequest& request,
                                      absl::string_view token);

  const WeComApiOptions options_;
  HttpClient* const http_;
  Clock* const clock_;
  const std::unique_ptr<TokenBucket> robot_info_pacing_;
  ExpiringCache<v1::GetRobotInfoResponse> robots_;
  ExpiringCache<v1::GetGroupChatResponse> groups_;

  // Held across a token fetch so that concurrent callers wait for one fetch
  // instead of each making their own.
  absl::Mutex token_mu_;
  std::string token_ ABSL_GUARDED_BY(token_mu_);
  absl::Time token_refresh_at_ ABSL_GUARDED_BY(token_mu_) = absl::InfinitePast();
};

}  // namespace wecom::archive
