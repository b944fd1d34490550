// The robot gateway's configuration file (YAML). Schema, with defaults:
//
//   listen: "0.0.0.0:50053"          # gRPC
//   metrics_listen: "0.0.0.0:9466"   # Prometheus /metrics
//   log_level, auth_token, auth_token_previous, tls, health_listen: as in
//     common/grpc/server_config.h
//   data_dir: /var/lib/wecom         # required: <data_dir>/state (RocksDB: outbox, events)
//   webhook:                         # where quntool POSTs callbacks (required with quntool)
//     listen: "0.0.0.0:8080"
//     secret: {file: /etc/wecom/robot-gateway/webhook-secret}   # required
//     max_body_bytes: 1048576
//     workers: 16                    # callbacks handled at once (1-256)
//   quntool:                         # optional: the quntool platform
//     base_url: http://quntool.internal          # "/gnapi/open" is appended
//     apikey: {file: /etc/wecom/robot-gateway/quntool-apikey}
//     request_timeout: 10s
//     auto_confirm_batch_messages: false         # confirm batch_msg_confirm at once
//     mqtt:                          # optional: send over quntool's MQTT broker
//       host: quntool.internal
//       port: 1884
//       accounts: ["1688850000000001"]          # wxIds that send over MQTT
//       send_timeout: 10s
//   yjiyun:                          # optional: the yjiyun platform
//     base_url: https://chat.yjiyun.com          # HTTP API and socket.io /imchat
//     access_key: user1
//     access_secret: {file: /etc/wecom/robot-gateway/yjiyun-secret}
//     request_timeout: 10s
//     msg_filter: false              # msgFilter=1: only private texts and @robot group texts
//     min_reconnect_delay: 10s       # the document advises at least 10 s (enforced)
//     answer_timeout: 15s            # a socket request's wait for its answer
//   sending:                         # pacing (seed 003) and retries
//     min_account_interval: 500ms
//     corp_hourly_limit: 50000
//     initial_cooldown: 5m           # after a -1000999 throttle
//     cooldown_multiplier: 2
//     max_cooldown: 6h
//     max_attempts: 5
//     unavailable_retry_delay: 5s
//     unknown_outcome_timeout: 10m   # fail a send no callback reconciled
//     sent_confirmation_timeout: 10m # a SENT send stops counting as pending
//     offline_probe_interval: 1m     # retry an offline account's next send
//     max_concurrent_sends: 8
//   accounts_cache_max_age: 30s
//   max_upload_bytes: 104857600      # Messaging.UploadFile
//
// Unknown keys are errors, named with their path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/config/secret.h"
#include "common/grpc/server_config.h"
#include "services/robot-gateway/outbox/send_dispatcher.h"

namespace wecom::robot {

struct WebhookConfig {
  std::string listen = "0.0.0.0:8080";
  Secret secret;
  uint64_t max_body_bytes = 1 << 20;
  int workers = 16;
};

struct QuntoolMqttConfig {
  std::string host;
  int port = 1884;
  std::vector<std::string> accounts;
  absl::Duration send_timeout = absl::Seconds(10);
};

struct QuntoolConfig {
  std::string base_url;
  Secret apikey;
  absl::Duration request_timeout = absl::Seconds(10);
  bool auto_confirm_batch_messages = false;
  std::optional<QuntoolMqttConfig> mqtt;
};

struct YjiyunConfig {
  std::string base_url;
  std::string access_key;
  Secret access_secret;
  absl::Duration request_timeout = absl::Seconds(10);
  bool msg_filter = false;
  absl::Duration min_reconnect_delay = absl::Seconds(10);
  absl::Duration answer_timeout = absl::Seconds(15);
};

struct GatewayConfig {
  ServerConfig server;
  std::string data_dir;
  // Present when quntool is configured (only quntool posts callbacks).
  std::optional<WebhookConfig> webhook;
  std::optional<QuntoolConfig> quntool;
  std::optional<YjiyunConfig> yjiyun;
  DispatchOptions sending;
  absl::Duration accounts_cache_max_age = absl::Seconds(30);
  uint64_t max_upload_bytes = 100 << 20;
};

// Reads the file and every secret it names.
absl::StatusOr<GatewayConfig> LoadGatewayConfig(const std::string& path);

}  // namespace wecom::robot
