// MosquittoQuntoolChannel: QuntoolMqttChannel over an MQTT broker
// (libmosquitto through common/mqtt). It subscribes to SendMessageResp,
// publishes each send to SendMessage with QoS 1 and hands the answer with the
// same `id` to the Send waiting for it; answers nobody waits for are
// ignored. It reconnects by itself after a lost connection.
//
// Send's failures:
//   not an object, no `type` or `id`   INVALID_ARGUMENT
//   a send with this id still waiting  ALREADY_EXISTS
//   not connected to the broker        UNAVAILABLE (nothing was published)
//   no answer within the timeout       DEADLINE_EXCEEDED (it may have been sent)
//   an error answer                    FAILED_PRECONDITION with
//                                      VendorError{quntool, code, msg}
//   an answer with neither             INTERNAL "malformed response"
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/mqtt/mqtt_client.h"
#include "nlohmann/json.hpp"
#include "services/robot-gateway/metrics/gateway_metrics.h"
#include "services/robot-gateway/quntool/quntool_mqtt_channel.h"

namespace wecom::robot {

struct MosquittoQuntoolChannelOptions {
  // The quntool server's broker (the document: its IP, port 1884).
  std::string host;
  int port = 1884;
  // The MQTT client id; "" lets the library pick a unique one. Two clients
  // with one id push each other off the broker.
  std::string client_id{};
  // How long Connect waits for the broker and the subscription.
  absl::Duration connect_timeout = absl::Seconds(10);
  // When set, every Send is recorded: vendor "quntool", endpoint
  // "mqtt:SendMessage", result "ok", the answer's code, "transport_error"
  // (not published, or no answer in time) or "malformed_response".
  GatewayMetrics* metrics = nullptr;
};

class MosquittoQuntoolChannel final : public QuntoolMqttChannel {
 public:
  // Connects and subscribes to SendMessageResp. UNAVAILABLE when the broker
  // did not accept both within connect_timeout.
  static absl::StatusOr<std::unique_ptr<MosquittoQuntoolChannel>> Connect(
      MosquittoQuntoolChannelOptions options);

  // Thread-safe; concurrent sends are matched to their answers by id.
  absl::StatusOr<std::string> Send(const nlohmann::json& message, absl::Duration timeout) override;

  // Connected and subscribed (again, after a lost connection); waits up to
  // `timeout` for it.
  bool WaitReady(absl::Duration timeout) { return client_.WaitReady(timeout); }

 private:
  explicit MosquittoQuntoolChannel(GatewayMetrics* metrics);

  // Publishes `message` and waits for the answer to `id`, already in
  // pending_; `result` gets the metrics' result.
  absl::StatusOr<std::string> Exchange(const nlohmann::json& message, const std::string& id,
                                       absl::Duration timeout, std::string& result);
  // Network thread: an answer on SendMessageResp.
  void OnAnswer(const mqtt::MqttMessage& message);

  GatewayMetrics* const metrics_;
  absl::Mutex mu_;
  // Sends waiting for their answer, by id; the answer once it came.
  absl::flat_hash_map<std::string, std::optional<nlohmann::json>> pending_ ABSL_GUARDED_BY(mu_);
  // Last: its network thread, which calls OnAnswer, stops first.
  mqtt::MqttClient client_;
};

}  // namespace wecom::robot
