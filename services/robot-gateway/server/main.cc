// The robot gateway's wiring: reads the config, builds every object and hands
// each its dependencies, serves gRPC, the vendors' webhook and /metrics, and
// shuts down gracefully on SIGTERM. Nothing else lives here.
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/grpc/server.h"
#include "common/grpc/signals.h"
#include "common/http/http_client.h"
#include "common/log/log.h"
#include "common/metrics/metrics_endpoint.h"
#include "common/process/process_defaults.h"
#include "services/robot-gateway/api/account_directory.h"
#include "services/robot-gateway/api/accounts_api.h"
#include "services/robot-gateway/api/contacts_api.h"
#include "services/robot-gateway/api/events_api.h"
#include "services/robot-gateway/api/groups_api.h"
#include "services/robot-gateway/api/labels_api.h"
#include "services/robot-gateway/api/messaging_api.h"
#include "services/robot-gateway/api/platform_registry.h"
#include "services/robot-gateway/core/account_id.h"
#include "services/robot-gateway/core/state_db.h"
#include "services/robot-gateway/events/event_log.h"
#include "services/robot-gateway/events/event_streamer.h"
#include "services/robot-gateway/metrics/gateway_metrics.h"
#include "services/robot-gateway/outbox/outbox_dispatcher.h"
#include "services/robot-gateway/outbox/send_outbox.h"
#include "services/robot-gateway/quntool/mosquitto_quntool_channel.h"
#include "services/robot-gateway/quntool/quntool_api.h"
#include "services/robot-gateway/quntool/quntool_platform.h"
#include "services/robot-gateway/server/gateway_config.h"
#include "services/robot-gateway/server/robot_grpc_services.h"
#include "services/robot-gateway/webhook/callback_ingestor.h"
#include "services/robot-gateway/webhook/webhook_server.h"
#include "services/robot-gateway/yjiyun/yjiyun_api.h"
#include "services/robot-gateway/yjiyun/yjiyun_channel.h"
#include "services/robot-gateway/yjiyun/yjiyun_platform.h"

namespace wecom::robot {
namespace {

int Fail(const char* event, const absl::Status& status) {
  log::Error(event, {{"error", status.ToString()}});
  return 1;
}

int Run(const std::string& config_path) {
  // Built before any thread starts, so that every thread inherits its mask.
  SignalWatcher signals([] {});
  absl::StatusOr<GatewayConfig> config = LoadGatewayConfig(config_path);
  if (!config.ok()) {
    log::Error("gateway_config_invalid", {{"error", config.status().ToString()}});
    return 2;
  }
  log::SetLevel(config->server.log_level);
  absl::StatusOr<std::unique_ptr<MetricsEndpoint>> metrics_endpoint =
      MetricsEndpoint::Start(config->server.metrics_listen);
  if (!metrics_endpoint.ok()) return Fail("gateway_metrics_failed", metrics_endpoint.status());
  prometheus::Registry& registry = *(*metrics_endpoint)->registry();
  GatewayMetrics metrics(registry);
  // Only quntool posts callbacks (the webhook below); only yjiyun pushes over
  // a socket.
  if (config->quntool.has_value()) {
    metrics.InitVendor(VendorName(v1::VENDOR_QUNTOOL), {.webhook = true});
  }
  if (config->yjiyun.has_value()) {
    metrics.InitVendor(VendorName(v1::VENDOR_YJIYUN), {.push_socket = true});
  }
  Clock* clock = RealClock::Get();

  absl::StatusOr<std::unique_ptr<rocksdb::DB>> db =
      OpenStateDb(absl::StrCat(config->data_dir, "/state"));
  if (!db.ok()) return Fail("gateway_state_failed", db.status());
  absl::StatusOr<std::unique_ptr<EventLog>> events = EventLog::Open(db->get());
  if (!events.ok()) return Fail("gateway_state_failed", events.status());
  absl::StatusOr<std::unique_ptr<SendOutbox>> outbox =
      SendOutbox::Open(db->get(), events->get(), clock);
  if (!outbox.ok()) return Fail("gateway_state_failed", outbox.status());

  absl::StatusOr<std::unique_ptr<CurlHttpClient>> http = CurlHttpClient::Create({});
  if (!http.ok()) return Fail("gateway_http_failed", http.status());

  // The platforms are registered once every adapter exists; nothing calls
  // platform_for before (the dispatcher starts after).
  std::optional<PlatformRegistry> platforms;
  auto platform_for = [&platforms](v1::Vendor vendor) -> RobotPlatform* {
    absl::StatusOr<RobotPlatform*> platform = platforms->For(vendor);
    return platform.ok() ? *platform : nullptr;
  };
  OutboxDispatcher dispatcher(outbox->get(), platform_for, &metrics, clock, config->sending);
  const bool auto_confirm =
      config->quntool.has_value() && config->quntool->auto_confirm_batch_messages;
  CallbackIngestor ingestor(events->get(), &dispatcher, platform_for, &metrics,
                            {.auto_confirm_batch_messages = auto_confirm});
  std::vector<RobotPlatform*> adapters;

  // quntool: HTTP always, MQTT for the accounts configured to use it.
  std::unique_ptr<QuntoolApi> quntool_api;
  std::unique_ptr<MosquittoQuntoolChannel> mqtt;
  std::unique_ptr<QuntoolPlatform> quntool_platform;
  if (config->quntool.has_value()) {
    const QuntoolConfig& quntool = *config->quntool;
    absl::StatusOr<std::unique_ptr<QuntoolApi>> api =
        QuntoolApi::Create({.base_url = quntool.base_url,
                            .apikey = quntool.apikey,
                            .request_timeout = quntool.request_timeout,
                            .http = http->get(),
                            .metrics = &metrics});
    if (!api.ok()) return Fail("gateway_quntool_failed", api.status());
    quntool_api = *std::move(api);
    // MQTT sends are counted by the channel, HTTP calls by QuntoolApi.
    QuntoolPlatformOptions platform_options;
    if (quntool.mqtt.has_value()) {
      absl::StatusOr<std::unique_ptr<MosquittoQuntoolChannel>> channel =
          MosquittoQuntoolChannel::Connect(
              {.host = quntool.mqtt->host, .port = quntool.mqtt->port, .metrics = &metrics});
      if (!channel.ok()) return Fail("gateway_mqtt_failed", channel.status());
      mqtt = *std::move(channel);
      platform_options.mqtt = mqtt.get();
      platform_options.mqtt_wx_ids.insert(quntool.mqtt->accounts.begin(),
                                          quntool.mqtt->accounts.end());
      platform_options.mqtt_timeout = quntool.mqtt->send_timeout;
    }
    quntool_platform = std::make_unique<QuntoolPlatform>(quntool_api.get(), platform_options);
    adapters.push_back(quntool_platform.get());
  }

  // yjiyun: the HTTP API, and the socket.io channel whose events go to the
  // ingestor like quntool's callbacks.
  std::unique_ptr<YjiyunApi> yjiyun_api;
  std::unique_ptr<YjiyunChannel> yjiyun_channel;
  std::unique_ptr<YjiyunPlatform> yjiyun_platform;
  if (config->yjiyun.has_value()) {
    const YjiyunConfig& yjiyun = *config->yjiyun;
    absl::StatusOr<std::unique_ptr<YjiyunApi>> api =
        YjiyunApi::Create({.base_url = yjiyun.base_url,
                           .access_key = yjiyun.access_key,
                           .access_secret = yjiyun.access_secret,
                           .request_timeout = yjiyun.request_timeout,
                           .http = http->get(),
                           .metrics = &metrics,
                           .clock = clock});
    if (!api.ok()) return Fail("gateway_yjiyun_failed", api.status());
    yjiyun_api = *std::move(api);
    yjiyun_channel = std::make_unique<YjiyunChannel>(
        yjiyun_api.get(), &ingestor,
        YjiyunChannelOptions{.msg_filter = yjiyun.msg_filter,
                             .min_reconnect_delay = yjiyun.min_reconnect_delay,
                             .answer_timeout = yjiyun.answer_timeout,
                             .clock = clock,
                             .metrics = &metrics});
    yjiyun_platform =
        std::make_unique<YjiyunPlatform>(yjiyun_api.get(), yjiyun_channel.get(), clock);
    adapters.push_back(yjiyun_platform.get());
  }

  absl::StatusOr<PlatformRegistry> registered = PlatformRegistry::Create(adapters);
  if (!registered.ok()) return Fail("gateway_platforms_failed", registered.status());
  platforms.emplace(*std::move(registered));
  if (absl::Status started = dispatcher.Start(); !started.ok()) {
    return Fail("gateway_dispatcher_failed", started);
  }
  if (yjiyun_channel != nullptr) {
    // It keeps trying: the gateway serves the other platforms meanwhile.
    if (absl::Status started = yjiyun_channel->Start(); !started.ok()) {
      log::Warn("gateway_yjiyun_socket_not_connected", {{"error", started.ToString()}});
    }
  }
  // Only quntool posts callbacks.
  std::unique_ptr<WebhookServer> webhook;
  if (config->quntool.has_value()) {
    absl::StatusOr<std::unique_ptr<WebhookServer>> started =
        WebhookServer::Start({.listen_address = config->webhook->listen,
                              .secret = config->webhook->secret,
                              .max_body_bytes = config->webhook->max_body_bytes,
                              .workers = config->webhook->workers,
                              .quntool_base_url = config->quntool->base_url},
                             &ingestor, &metrics);
    if (!started.ok()) return Fail("gateway_webhook_failed", started.status());
    webhook = *std::move(started);
  }

  AccountDirectory accounts(&*platforms, clock, {.max_age = config->accounts_cache_max_age});
  EventStreamer streamer(events->get());
  AccountsApi accounts_api(&*platforms, &accounts, &dispatcher, &metrics);
  MessagingApi messaging_api(&*platforms, &accounts, &dispatcher, &metrics);
  ContactsApi contacts_api(&accounts, &metrics);
  GroupsApi groups_api(&accounts, &metrics);
  LabelsApi labels_api(&accounts, &metrics);
  EventsApi events_api(events->get(), &streamer, &metrics);
  AccountsGrpcService accounts_service(&accounts_api);
  MessagingGrpcService messaging_service(&messaging_api, config->max_upload_bytes);
  ContactsGrpcService contacts_service(&contacts_api);
  GroupsGrpcService groups_service(&groups_api);
  LabelsGrpcService labels_service(&labels_api);
  EventsGrpcService events_service(&events_api);
  absl::StatusOr<std::unique_ptr<GrpcServer>> server =
      GrpcServer::Start(config->server.grpc,
                        {&accounts_service, &messaging_service, &contacts_service, &groups_service,
                         &labels_service, &events_service},
                        registry);
  if (!server.ok()) return Fail("gateway_grpc_failed", server.status());

  // Tests and scripts read this line to learn the bound ports.
  const int webhook_port = webhook != nullptr ? webhook->port() : 0;
  std::cout << "robot-gateway ready grpc_port=" << (*server)->port()
            << " metrics_port=" << (*metrics_endpoint)->port() << " webhook_port=" << webhook_port
            << std::endl;
  log::Info("gateway_started", {{"grpc_port", (*server)->port()},
                                {"metrics_port", (*metrics_endpoint)->port()},
                                {"webhook_port", webhook_port},
                                {"quntool", quntool_platform != nullptr},
                                {"mqtt", mqtt != nullptr},
                                {"yjiyun", yjiyun_platform != nullptr}});

  signals.WaitForShutdown();
  log::Info("gateway_stopping", {});
  (*server)->Shutdown(absl::Seconds(5));
  // The vendors' events stop before the dispatcher, so none lands on a
  // stopped outbox.
  webhook.reset();
  yjiyun_channel.reset();
  dispatcher.Stop();
  return 0;
}

}  // namespace
}  // namespace wecom::robot

int main(int argc, char** argv) {
  wecom::ApplyServiceProcessDefaults();
  CLI::App app{"wecom-robot-gateway: one gRPC API over the WeCom robot platforms"};
  std::string config_path;
  app.add_option("--config", config_path, "the YAML config file")->required();
  CLI11_PARSE(app, argc, argv);
  return wecom::robot::Run(config_path);
}
