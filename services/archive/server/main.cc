// The archive service's wiring: reads the config, builds every object and
// hands each its dependencies, serves gRPC and /metrics, reloads keys on
// SIGHUP and shuts down gracefully on SIGTERM. Nothing else lives here.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/grpc/server.h"
#include "common/grpc/signals.h"
#include "common/http/http_client.h"
#include "common/log/log.h"
#include "common/metrics/metrics_endpoint.h"
#include "common/process/process_defaults.h"
#include "common/sharding/sharding_config.h"
#include "services/archive/api/archive_api.h"
#include "services/archive/server/archive_config.h"
#include "services/archive/server/archive_grpc_service.h"
#include "services/archive/server/key_directory.h"

namespace wecom::archive {
namespace {

// Everything one configured corp owns.
struct CorpRuntime {
  CorpConfig config;
  KeyRing keys;
  std::unique_ptr<MessageDecryptor> decryptor;
  std::unique_ptr<TokenBucket> pull_rate;
  std::unique_ptr<TokenBucket> media_rate;
  std::unique_ptr<SdkSessionPool> media_sessions;
  std::unique_ptr<WeComApiClient> wecom_api;
  std::unique_ptr<ChatPuller> puller;
};

// All or nothing: the corp keeps its keys unless every file reads.
absl::Status ReadAndReplaceKeys(CorpRuntime& corp, ArchiveMetrics& metrics) {
  absl::StatusOr<std::map<uint32_t, std::string>> pems =
      ReadKeyDirectory(corp.config.private_keys_dir);
  if (!pems.ok()) return pems.status();
  // Every version stays needed: old messages keep the key they were sent with.
  for (uint32_t loaded : corp.keys.versions()) {
    if (!pems->contains(loaded)) {
      return absl::FailedPreconditionError(
          absl::StrCat("publickey_ver ", loaded, " is gone from ", corp.config.private_keys_dir,
                       "; keeping the loaded keys (restore it, or restart to drop it on purpose)"));
    }
  }
  absl::Status replaced = corp.keys.Replace(*std::move(pems));
  if (!replaced.ok()) return replaced;
  const std::vector<uint32_t> versions = corp.keys.versions();
  metrics.KeyVersions(corp.config.corp_id).Set(static_cast<double>(versions.size()));
  log::Info("archive_keys_loaded", {{"corp", corp.config.corp_id}, {"versions", versions}});
  return absl::OkStatus();
}

// ReadAndReplaceKeys, recording its outcome in the gauge
// archive_keys_last_reload_successful (WecomArchiveKeyReloadRefused).
absl::Status LoadKeys(CorpRuntime& corp, ArchiveMetrics& metrics) {
  absl::Status loaded = ReadAndReplaceKeys(corp, metrics);
  metrics.KeysLastReloadSuccessful(corp.config.corp_id).Set(loaded.ok() ? 1 : 0);
  return loaded;
}

int Run(const std::string& config_path) {
  // SIGHUP reloads keys once the corps exist; the watcher must be built first,
  // before any thread starts, so that every thread inherits its signal mask.
  absl::Mutex reload_mu;
  std::function<void()> reload_keys;
  SignalWatcher signals([&] {
    absl::MutexLock lock(&reload_mu);
    if (reload_keys) reload_keys();
  });
  absl::StatusOr<ArchiveConfig> config = LoadArchiveConfig(config_path);
  if (!config.ok()) {
    log::Error("archive_config_invalid", {{"error", config.status().ToString()}});
    return 2;
  }
  log::SetLevel(config->server.log_level);
  std::vector<std::string> corp_ids;
  for (const CorpConfig& corp : config->corps) corp_ids.push_back(corp.corp_id);
  absl::StatusOr<ShardPlacement> placement = ResolvePlacement(config->sharding, corp_ids);
  if (!placement.ok()) {
    log::Error("archive_config_invalid", {{"error", placement.status().ToString()}});
    return 2;
  }

  absl::StatusOr<std::unique_ptr<MetricsEndpoint>> metrics_endpoint =
      MetricsEndpoint::Start(config->server.metrics_listen);
  if (!metrics_endpoint.ok()) {
    log::Error("archive_metrics_failed", {{"error", metrics_endpoint.status().ToString()}});
    return 1;
  }
  prometheus::Registry& registry = *(*metrics_endpoint)->registry();
  ArchiveMetrics metrics(registry);

  absl::StatusOr<std::unique_ptr<FinanceSdk>> sdk = LoadFinanceSdk(config->sdk_library);
  if (!sdk.ok()) {
    log::Error("archive_sdk_load_failed", {{"error", sdk.status().ToString()}});
    return 1;
  }
  absl::StatusOr<std::unique_ptr<MessageStore>> store =
      MessageStore::Open({.path = absl::StrCat(config->data_dir, "/messages")});
  if (!store.ok()) {
    log::Error("archive_store_open_failed", {{"error", store.status().ToString()}});
    return 1;
  }
  Clock* clock = RealClock::Get();
  WorkerPool workers(config->decrypt_threads);
  HeadWatcher heads;
  absl::StatusOr<std::unique_ptr<CurlHttpClient>> http = CurlHttpClient::Create({});
  if (!http.ok()) {
    log::Error("archive_http_failed", {{"error", http.status().ToString()}});
    return 1;
  }

  std::vector<std::unique_ptr<CorpRuntime>> corps;
  absl::flat_hash_map<std::string, CorpHandles> handles;
  for (CorpConfig& corp_config : config->corps) {
    // Another pod pulls it: exactly one pod ever holds a corp's cursor.
    if (!placement->ServesHere(corp_config.corp_id)) continue;
    auto corp = std::make_unique<CorpRuntime>();
    corp->config = std::move(corp_config);
    const std::string& corp_id = corp->config.corp_id;
    metrics.InitCorp(corp_id);
    if (absl::Status loaded = LoadKeys(*corp, metrics); !loaded.ok()) {
      log::Error("archive_keys_failed", {{"corp", corp_id}, {"error", loaded.ToString()}});
      return 1;
    }
    absl::StatusOr<std::unique_ptr<FinanceSdkSession>> session =
        (*sdk)->NewSession(corp_id, corp->config.secret.reveal());
    if (!session.ok()) {
      log::Error("archive_sdk_init_failed",
                 {{"corp", corp_id}, {"error", session.status().ToString()}});
      return 1;
    }
    corp->decryptor = std::make_unique<MessageDecryptor>(&corp->keys, sdk->get());
    corp->pull_rate = TokenBucket::PerMinute(corp->config.pull_calls_per_minute, clock);
    corp->media_rate = TokenBucket::PerMinute(corp->config.media_calls_per_minute, clock);
    corp->media_sessions = std::make_unique<SdkSessionPool>(
        sdk->get(), corp_id, corp->config.secret.reveal(), corp->config.media_sdk_sessions);
    WeComApiOptions api_options = config->wecom_api;
    api_options.corp_id = corp_id;
    api_options.corp_secret = corp->config.secret.reveal();
    absl::StatusOr<std::unique_ptr<WeComApiClient>> wecom_api =
        WeComApiClient::Create(std::move(api_options), http->get(), clock);
    if (!wecom_api.ok()) {
      log::Error("archive_wecom_api_failed",
                 {{"corp", corp_id}, {"error", wecom_api.status().ToString()}});
      return 1;
    }
    corp->wecom_api = *std::move(wecom_api);
    corp->puller =
        std::make_unique<ChatPuller>(corp_id,
                                     ChatPuller::Dependencies{.session = *std::move(session),
                                                              .decryptor = corp->decryptor.get(),
                                                              .store = store->get(),
                                                              .rate_limit = corp->pull_rate.get(),
                                                              .workers = &workers,
                                                              .heads = &heads,
                                                              .metrics = &metrics,
                                                              .clock = clock},
                                     corp->config.pull);
    handles[corp_id] = CorpHandles{.keys = &corp->keys,
                                   .puller = corp->puller.get(),
                                   .media_sessions = corp->media_sessions.get(),
                                   .media_rate_limit = corp->media_rate.get(),
                                   .wecom_api = corp->wecom_api.get(),
                                   .media_call = corp->config.pull.call};
    corps.push_back(std::move(corp));
  }

  MessageStreamer streamer(store->get(), &heads, &metrics);
  ArchiveApi api(store->get(), &streamer, &metrics, clock, std::move(handles), *placement);
  ArchiveGrpcService service(&api);
  absl::StatusOr<std::unique_ptr<GrpcServer>> server =
      GrpcServer::Start(config->server.grpc, {&service}, registry);
  if (!server.ok()) {
    log::Error("archive_grpc_failed", {{"error", server.status().ToString()}});
    return 1;
  }
  for (auto& corp : corps) corp->puller->Start();

  {
    absl::MutexLock lock(&reload_mu);
    reload_keys = [&corps, &metrics] {
      for (auto& corp : corps) {
        if (absl::Status loaded = LoadKeys(*corp, metrics); !loaded.ok()) {
          log::Error("archive_keys_reload_failed",
                     {{"corp", corp->config.corp_id}, {"error", loaded.ToString()}});
          continue;
        }
        corp->puller->RequestRecovery();
      }
    };
  }
  // Tests and scripts read this line to learn the bound ports.
  std::cout << "archive ready grpc_port=" << (*server)->port()
            << " metrics_port=" << (*metrics_endpoint)->port() << std::endl;
  log::Info("archive_started",
            {{"grpc_port", (*server)->port()},
             {"metrics_port", (*metrics_endpoint)->port()},
             {"corps", corps.size()},
             {"shard_ordinal", placement->sharded() ? placement->ordinal() : -1}});
  if (corps.empty()) log::Warn("archive_serves_no_corp", {{"shard_ordinal", placement->ordinal()}});

  signals.WaitForShutdown();
  log::Info("archive_stopping", {});
  {
    absl::MutexLock lock(&reload_mu);
    reload_keys = nullptr;  // the corps it reloads go away below
  }
  (*server)->Shutdown(absl::Seconds(5));
  for (auto& corp : corps) corp->puller->Stop();
  return 0;
}

}  // namespace
}  // namespace wecom::archive

int main(int argc, char** argv) {
  wecom::ApplyServiceProcessDefaults();
  CLI::App app{"wecom-archive: pulls, decrypts, stores and streams the WeCom chat archive"};
  std::string config_path;
  app.add_option("--config", config_path, "the YAML config file")->required();
  CLI11_PARSE(app, argc, argv);
  return wecom::archive::Run(config_path);
}
