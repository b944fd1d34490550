// The robot gateway end to end: a real quntool-emulator process and a real
// wecom-robot-gateway process talking to it over loopback HTTP, the emulator
// POSTing its callbacks to the gateway's webhook, and gRPC stubs for the
// gateway's six services.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/grpc/status.h"
#include "common/status/status_macros.h"
#include "grpcpp/grpcpp.h"
#include "nlohmann/json.hpp"
#include "tests/support/child_process.h"
#include "tests/support/mosquitto_broker.h"
#include "tests/support/temp_dir.h"
#include "tests/support/yjiyun_emulator.h"
#include "wecom/robot/v1/accounts_service.grpc.pb.h"
#include "wecom/robot/v1/contacts_service.grpc.pb.h"
#include "wecom/robot/v1/events_service.grpc.pb.h"
#include "wecom/robot/v1/groups_service.grpc.pb.h"
#include "wecom/robot/v1/labels_service.grpc.pb.h"
#include "wecom/robot/v1/messaging_service.grpc.pb.h"

namespace wecom::testing {

struct GatewayHarnessOptions {
  // The emulator's pacing (the vendor's 500 ms by default).
  int emulator_min_send_interval_ms = 500;
  // Callback POST attempts, so callbacks survive a gateway restart.
  int emulator_webhook_attempts = 100;
  // Extra YAML under the gateway's `sending:` key, e.g. "  min_account_interval: 5ms\n".
  std::string sending_yaml;
  std::string log_level = "warn";
  // Start a mosquitto broker; the emulator serves MQTT on it and the gateway
  // sends the first test account's messages over it.
  bool mqtt = false;
  // Also start the yjiyun emulator (its example config, engine.io `yjiyun_engine_io`)
  // and configure the gateway's yjiyun platform on it.
  bool yjiyun = false;
  std::string yjiyun_engine_io = "4";
};

class GatewayHarness {
 public:
  // Starts the emulator (the quntool test world's accounts, see
  // tests/emulators/quntool/quntool_test_world.h) and the gateway.
  static absl::StatusOr<std::unique_ptr<GatewayHarness>> Create(GatewayHarnessOptions options = {});

  absl::Status StartGateway();
  // Sends `signal` to the gateway and reaps it; its wait status.
  int StopGateway(int signal);

  std::shared_ptr<grpc::Channel> channel() const;
  std::unique_ptr<wecom::robot::v1::Accounts::Stub> Accounts() const;
  std::unique_ptr<wecom::robot::v1::Messaging::Stub> Messaging() const;
  std::unique_ptr<wecom::robot::v1::Contacts::Stub> Contacts() const;
  std::unique_ptr<wecom::robot::v1::Groups::Stub> Groups() const;
  std::unique_ptr<wecom::robot::v1::Labels::Stub> Labels() const;
  std::unique_ptr<wecom::robot::v1::Events::Stub> Events() const;

  std::string MetricsText() const;
  // The processes, for /proc figures (bench/gateway); 0 when not running.
  pid_t gateway_pid() const { return gateway_ == nullptr ? 0 : gateway_->pid(); }
  pid_t emulator_pid() const { return emulator_ == nullptr ? 0 : emulator_->pid(); }
  int grpc_port() const { return grpc_port_; }
  int metrics_port() const { return metrics_port_; }
  int webhook_port() const { return webhook_port_; }
  int emulator_port() const { return emulator_port_; }
  // The yjiyun emulator, when started (GatewayHarnessOptions::yjiyun).
  YjiyunEmulator* yjiyun() const { return yjiyun_.get(); }
  static const char* webhook_secret();
  // "http://127.0.0.1:<webhook port>/quntool/callback/<secret>".
  std::string webhook_url() const;

  // Calls the emulator: /gnapi/open<path> with the apikey, or /emulator<path>
  // when `control`; the parsed body.
  absl::StatusOr<nlohmann::json> CallEmulator(const std::string& method, const std::string& path,
                                              const nlohmann::json& body = nullptr,
                                              bool control = false) const;

  // Every stored event, in order (StreamEvents until caught_up).
  absl::StatusOr<std::vector<wecom::robot::v1::Event>> StoredEvents() const;

  // Streams events after `after` until `count` events matching `match` have
  // arrived; the timeout only turns a hang into an error.
  absl::StatusOr<std::vector<wecom::robot::v1::Event>> AwaitEvents(
      uint64_t after, size_t count,
      const std::function<bool(const wecom::robot::v1::Event&)>& match,
      absl::Duration timeout = absl::Seconds(60)) const;

 private:
  GatewayHarness(GatewayHarnessOptions options, TempDir dir);

  GatewayHarnessOptions options_;
  TempDir dir_;
  std::unique_ptr<MosquittoBroker> broker_;
  std::unique_ptr<ChildProcess> emulator_;
  std::unique_ptr<YjiyunEmulator> yjiyun_;
  std::unique_ptr<ChildProcess> gateway_;
  int emulator_port_ = 0;
  int grpc_port_ = 0;
  int metrics_port_ = 0;
  int webhook_port_ = 0;
};

// One unary call; its response or its status (with the vendor error).
template <typename Stub, typename Request, typename Response>
absl::StatusOr<Response> Call(Stub* stub,
                              grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                           Response*),
                              const Request& request) {
  grpc::ClientContext context;
  Response response;
  RETURN_IF_ERROR(FromGrpcStatus((stub->*method)(&context, request, &response), context));
  return response;
}

}  // namespace wecom::testing
