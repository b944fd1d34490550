// The media service's configuration file (YAML). Schema, with defaults:
//
//   listen: "0.0.0.0:50052"          # gRPC
//   metrics_listen: "0.0.0.0:9465"   # Prometheus /metrics
//   auth_token, auth_token_previous, tls, health_listen: as in common/grpc/server_config.h
//   data_dir: /var/lib/wecom         # required: <data_dir>/jobs (RocksDB), <data_dir>/staging
//   log_level: info                  # debug | info | warn | error
//   sharding:                        # optional: as in the archive (one shard map for both)
//     map_file: /etc/wecom/shards/shards.yaml   # common/sharding/sharding_config.h
//     ordinal: auto
//   archive:                         # the archive service, where pieces come from
//     target: "archive:50051"        # required; sharded: archive pod N for media pod N, e.g.
//                                    # "wecom-archive-{ordinal}.wecom-archive-headless:50051"
//     auth_token: {file: /etc/wecom/media/archive-token}   # optional
//     tls_ca_file: …                 # optional: TLS, the server verified against it
//     tls_cert_file: …               # optional: client certificate (mTLS)
//     tls_key_file: …
//     call_timeout: 60s              # one GetMediaChunk or AckMessages call
//   blob_store:                      # exactly one of local or s3; default local
//     local:
//       root: <data_dir>/blobs
//     s3:
//       endpoint: https://s3.example.com
//       bucket: wecom-media
//       region: us-east-1
//       key_prefix: media/
//       access_key_id: {file: …}
//       secret_access_key: {file: …}
//   fetch:
//     concurrency: 8                 # fetches at once, all corps
//     per_corp_concurrency: 4        # fetches at once, one corp
//     max_attempts: 3                # whole-file attempts after md5/size mismatches
//     piece_attempts: 8              # tries per piece on transient errors
//   corps:
//     - corp_id: wwd08c8exxxx5ab44d
//       follow: true                 # automatic mode: fetch every media message
//       consumer: media              # the durable consumer name at the archive
//
// Unknown keys are errors, named with their path.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/grpc/client.h"
#include "common/grpc/server_config.h"
#include "common/sharding/sharding_config.h"
#include "services/media/blob/s3_blob_store.h"
#include "services/media/jobs/fetch_scheduler.h"

namespace wecom::media {

struct MediaCorpConfig {
  std::string corp_id;
  bool follow = true;
  std::string consumer = "media";
};

struct MediaConfig {
  ServerConfig server;
  std::string data_dir;
  GrpcClientOptions archive;
  absl::Duration archive_call_timeout = absl::Seconds(60);
  // Set: the S3 backend; otherwise a local directory.
  std::optional<S3BlobStoreOptions> s3;
  std::string local_blob_root;
  FetchSchedulerOptions scheduler;
  int max_attempts = 3;
  int piece_attempts = 8;
  ShardingConfig sharding;
  std::vector<MediaCorpConfig> corps;
};

// Reads the file and every secret it names.
absl::StatusOr<MediaConfig> LoadMediaConfig(const std::string& path);

}  // namespace wecom::media
