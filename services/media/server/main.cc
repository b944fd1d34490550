// The media service's wiring: reads the config, builds every object and hands
// each its dependencies, serves gRPC and /metrics, follows the archive for the
// configured corps and shuts down gracefully on SIGTERM. Nothing else lives
// here.
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "common/grpc/client.h"
#include "common/grpc/server.h"
#include "common/grpc/signals.h"
#include "common/log/log.h"
#include "common/metrics/metrics_endpoint.h"
#include "common/process/process_defaults.h"
#include "common/sharding/sharding_config.h"
#include "services/media/api/media_api.h"
#include "services/media/archive_link/archive_link.h"
#include "services/media/blob/local_blob_store.h"
#include "services/media/blob/s3_blob_store.h"
#include "services/media/follow/media_follower.h"
#include "services/media/server/media_config.h"
#include "services/media/server/media_grpc_service.h"

namespace wecom::media {
namespace {

absl::StatusOr<std::unique_ptr<BlobStore>> OpenBlobStore(const MediaConfig& config) {
  if (config.s3.has_value()) {
    absl::StatusOr<std::unique_ptr<S3BlobStore>> s3 = S3BlobStore::Create(*config.s3);
    if (!s3.ok()) return s3.status();
    return std::unique_ptr<BlobStore>(*std::move(s3));
  }
  absl::StatusOr<std::unique_ptr<LocalBlobStore>> local =
      LocalBlobStore::Open(config.local_blob_root);
  if (!local.ok()) return local.status();
  return std::unique_ptr<BlobStore>(*std::move(local));
}

int Fail(const char* event, const absl::Status& status) {
  log::Error(event, {{"error", status.ToString()}});
  return 1;
}

int Run(const std::string& config_path) {
  // Built before any thread starts, so that every thread inherits its mask.
  SignalWatcher signals([] {});
  absl::StatusOr<MediaConfig> config = LoadMediaConfig(config_path);
  if (!config.ok()) {
    log::Error("media_config_invalid", {{"error", config.status().ToString()}});
    return 2;
  }
  log::SetLevel(config->server.log_level);
  std::vector<std::string> corp_ids;
  for (const MediaCorpConfig& corp : config->corps) corp_ids.push_back(corp.corp_id);
  absl::StatusOr<ShardPlacement> placement = ResolvePlacement(config->sharding, corp_ids);
  // Media pod N reads from archive pod N: one shard map places a corp on both.
  absl::StatusOr<std::string> archive_target =
      placement.ok() ? ExpandOrdinal("archive.target", config->archive.target, *placement)
                     : placement.status();
  if (!archive_target.ok()) {
    log::Error("media_config_invalid", {{"error", archive_target.status().ToString()}});
    return 2;
  }
  config->archive.target = *std::move(archive_target);
  absl::StatusOr<std::unique_ptr<MetricsEndpoint>> metrics_endpoint =
      MetricsEndpoint::Start(config->server.metrics_listen);
  if (!metrics_endpoint.ok()) return Fail("media_metrics_failed", metrics_endpoint.status());
  prometheus::Registry& registry = *(*metrics_endpoint)->registry();
  MediaMetrics metrics(registry);

  const std::string staging_dir = absl::StrCat(config->data_dir, "/staging");
  std::error_code error;
  std::filesystem::create_directories(staging_dir, error);
  if (error) {
    return Fail("media_staging_failed",
                absl::InternalError(absl::StrCat("creating ", staging_dir, ": ", error.message())));
  }
  if (absl::StatusOr<int> removed = RemoveStagedLeftovers(staging_dir); !removed.ok()) {
    return Fail("media_staging_failed", removed.status());
  } else if (*removed > 0) {
    log::Info("media_staging_cleared", {{"files", *removed}});
  }
  absl::StatusOr<std::unique_ptr<BlobStore>> blobs = OpenBlobStore(*config);
  if (!blobs.ok()) return Fail("media_blob_store_failed", blobs.status());
  absl::StatusOr<std::unique_ptr<MediaJobStore>> jobs =
      MediaJobStore::Open(absl::StrCat(config->data_dir, "/jobs"));
  if (!jobs.ok()) return Fail("media_job_store_failed", jobs.status());

  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = MakeChannel(config->archive);
  if (!channel.ok()) return Fail("media_archive_channel_failed", channel.status());
  std::shared_ptr<wecom::archive::v1::ArchiveService::StubInterface> archive =
      wecom::archive::v1::ArchiveService::NewStub(*channel);
  ArchiveChunkSource chunks(archive, config->archive_call_timeout);
  GrpcArchiveFeed feed(archive, config->archive_call_timeout);

  Clock* clock = RealClock::Get();
  MediaFetcherOptions fetcher_options{.staging_dir = staging_dir,
                                      .max_attempts = config->max_attempts};
  fetcher_options.piece_retry.max_attempts = config->piece_attempts;
  MediaFetcher fetcher(&chunks, blobs->get(), clock, fetcher_options, &metrics);
  FetchScheduler scheduler(jobs->get(), &fetcher, clock, config->scheduler, &metrics);
  if (absl::Status started = scheduler.Start(); !started.ok()) {
    return Fail("media_scheduler_failed", started);
  }

  absl::flat_hash_set<std::string> served_corps;
  std::vector<std::unique_ptr<MediaFollower>> followers;
  for (const MediaCorpConfig& corp : config->corps) {
    if (!placement->ServesHere(corp.corp_id)) continue;
    served_corps.insert(corp.corp_id);
    metrics.InitCorp(corp.corp_id);
    if (!corp.follow) continue;
    prometheus::Gauge* position = &metrics.FollowPosition(corp.corp_id);
    followers.push_back(std::make_unique<MediaFollower>(
        &feed, &scheduler, clock,
        MediaFollowerOptions{
            .corp_id = corp.corp_id, .consumer = corp.consumer, .on_acked = [position](uint64_t p) {
              position->Set(static_cast<double>(p));
            }}));
  }
  const size_t api_corps = served_corps.size();
  if (served_corps.empty()) {
    log::Warn("media_serves_no_corp", {{"shard_ordinal", placement->ordinal()}});
  }
  MediaApi api(&scheduler, jobs->get(), blobs->get(), &metrics, std::move(served_corps),
               *placement);
  MediaGrpcService service(&api);
  absl::StatusOr<std::unique_ptr<GrpcServer>> server =
      GrpcServer::Start(config->server.grpc, {&service}, registry);
  if (!server.ok()) return Fail("media_grpc_failed", server.status());
  for (auto& follower : followers) follower->Start();

  // Tests and scripts read this line to learn the bound ports.
  std::cout << "media ready grpc_port=" << (*server)->port()
            << " metrics_port=" << (*metrics_endpoint)->port() << std::endl;
  log::Info("media_started", {{"grpc_port", (*server)->port()},
                              {"metrics_port", (*metrics_endpoint)->port()},
                              {"corps", api_corps},
                              {"archive", config->archive.target},
                              {"shard_ordinal", placement->sharded() ? placement->ordinal() : -1},
                              {"blob_store", config->s3.has_value() ? "s3" : "local"}});

  signals.WaitForShutdown();
  log::Info("media_stopping", {});
  for (auto& follower : followers) follower->Stop();
  (*server)->Shutdown(absl::Seconds(5));
  scheduler.Stop();
  return 0;
}

}  // namespace
}  // namespace wecom::media

int main(int argc, char** argv) {
  wecom::ApplyServiceProcessDefaults();
  CLI::App app{"wecom-media: fetches, verifies, stores and serves the archive's media"};
  std::string config_path;
  app.add_option("--config", config_path, "the YAML config file")->required();
  CLI11_PARSE(app, argc, argv);
  return wecom::media::Run(config_path);
}
