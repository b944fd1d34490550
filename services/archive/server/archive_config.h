// The archive service's configuration file (YAML). Schema, with defaults:
//
//   listen: "0.0.0.0:50051"          # gRPC
//   metrics_listen: "0.0.0.0:9464"   # Prometheus /metrics
//   data_dir: /var/lib/wecom         # required: RocksDB lives in <data_dir>/messages
//   sdk_library: /opt/wecom/sdk/libWeWorkFinanceSdk_C.so   # required
//   decrypt_threads: 0               # 0: one per core
//   log_level: info                  # debug | info | warn | error
//   sharding:                        # optional: several pods, each serving its own corps
//     map_file: /etc/wecom/shards/shards.yaml   # common/sharding/sharding_config.h
//     ordinal: auto                  # from the pod name <statefulset>-<N>, or a number
//   auth_token: {file: /etc/wecom/archive/token}   # optional: every RPC but health needs it
//   auth_token_previous: {file: …}   # optional: still accepted while clients rotate
//   health_listen: "0.0.0.0:50061"  # optional: plaintext grpc.health.v1 only (kubelet probes)
//   tls:                             # optional
//     cert_file: /etc/wecom/tls/tls.crt
//     key_file: /etc/wecom/tls/tls.key
//     client_ca_file: /etc/wecom/tls/ca.crt   # optional: require client certs (mTLS)
//   wecom_api:
//     base_url: https://qyapi.weixin.qq.com
//     robot_info_calls_per_minute: 600
//     cache_ttl: 10m
//     request_timeout: 10s
//   corps:
//     - corp_id: wwd08c8exxxx5ab44d
//       secret: {file: /etc/wecom/corps/ww1/secret}   # or {env: NAME} or {value: TEXT}
//       private_keys_dir: /etc/wecom/corps/ww1/keys    # <publickey_ver>.pem, mode 0600/0440
//       pull:
//         limit: 1000                # at most 1000 (vendor limit)
//         calls_per_minute: 4000     # vendor limit for GetChatData
//         timeout: 5s
//         poll_interval: 1s
//         proxy: ""                  # socks5://host:port or http://host:port
//         proxy_credentials: {file: …}   # optional user:password
//       media:
//         calls_per_minute: 25000    # vendor limit for GetMediaData
//         sdk_sessions: 4            # SDK instances for concurrent media pieces
//
// Unknown keys are errors, named with their path.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/config/secret.h"
#include "common/grpc/server_config.h"
#include "common/sharding/sharding_config.h"
#include "services/archive/ingest/chat_puller.h"
#include "services/archive/qyapi/wecom_api_client.h"

namespace wecom::archive {

struct CorpConfig {
  std::string corp_id;
  Secret secret;
  std::string private_keys_dir;
  ChatPullerOptions pull;
  int pull_calls_per_minute = 4000;
  int media_calls_per_minute = 25000;
  int media_sdk_sessions = 4;
};

struct ArchiveConfig {
  ServerConfig server;
  std::string data_dir;
  std::string sdk_library;
  int decrypt_threads = 0;
  // corp_id and corp_secret are filled per corp.
  WeComApiOptions wecom_api;
  ShardingConfig sharding;
  std::vector<CorpConfig> corps;
};

// Reads the file and every secret it names.
absl::StatusOr<ArchiveConfig> LoadArchiveConfig(const std::string& path);

}  // namespace wecom::archive
