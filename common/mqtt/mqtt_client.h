// MqttClient: one MQTT connection (libmosquitto) with its own network thread.
// After the first successful Connect it reconnects by itself whenever the
// connection is lost and subscribes again to every topic, so a broker restart
// only interrupts it.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

struct mosquitto;
struct mosquitto_message;

namespace wecom::mqtt {

struct MqttMessage {
  std::string topic;
  std::string payload;
};

class MqttClient {
 public:
  // Runs on the network thread for every message of a subscribed topic. It
  // may call Publish; it must not destroy the client.
  using MessageHandler = std::function<void(const MqttMessage&)>;

  explicit MqttClient(MessageHandler on_message);
  MqttClient(const MqttClient&) = delete;
  MqttClient& operator=(const MqttClient&) = delete;
  // Disconnects and joins the network thread: no handler runs afterwards.
  ~MqttClient();

  // Connects to host:port as `client_id` ("" lets the library pick a unique
  // one) and waits up to `timeout` until the broker accepted the connection
  // and every Subscribe'd topic. UNAVAILABLE when it did not: the client is
  // then disconnected and may Connect again. FAILED_PRECONDITION when it is
  // connected already. Once connected, a lost connection is retried 1 s,
  // then 4 s, then every 8 s.
  absl::Status Connect(const std::string& host, int port, const std::string& client_id,
                       absl::Duration timeout);

  // Subscribes to `topic` now when connected, and on every (re)connect.
  // Call it before Connect for Connect to wait for the subscription.
  // INVALID_ARGUMENT for a malformed topic filter or a QoS other than 0-2.
  absl::Status Subscribe(const std::string& topic, int qos);

  // Publishes `payload`. With QoS 1 or 2 the library delivers it at least
  // once, resending it after a reconnect. UNAVAILABLE when not connected:
  // then nothing was handed to the library. INVALID_ARGUMENT for a bad
  // topic, QoS or payload size.
  absl::Status Publish(const std::string& topic, absl::string_view payload, int qos);

  // Waits up to `timeout` until connected and subscribed to every topic;
  // false when it is not.
  bool WaitReady(absl::Duration timeout);

 private:
  // libmosquitto callbacks, on the network thread; `self` is the MqttClient.
  static void OnConnect(mosquitto* handle, void* self, int result);
  static void OnDisconnect(mosquitto* handle, void* self, int result);
  static void OnSubscribe(mosquitto* handle, void* self, int mid, int qos_count,
                          const int* granted_qos);
  static void OnMessage(mosquitto* handle, void* self, const mosquitto_message* message);

  // Sends SUBSCRIBE for `topic` and remembers it until the SUBACK arrives.
  void SendSubscribe(const std::string& topic, int qos) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool Ready() const ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return connected_ && !subscribe_failed_ && unacknowledged_subscribes_.empty();
  }
  // Stops the network thread and frees the handle.
  void Shutdown();

  const MessageHandler on_message_;
  mosquitto* handle_ = nullptr;  // set by Connect, freed by Shutdown
  bool loop_started_ = false;

  mutable absl::Mutex mu_;
  bool connected_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::pair<std::string, int>> topics_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<int> unacknowledged_subscribes_ ABSL_GUARDED_BY(mu_);
  // A subscription of this connection was not sent or the broker refused it.
  bool subscribe_failed_ ABSL_GUARDED_BY(mu_) = false;
  // Why the client is not connected, for Connect's error.
  std::string last_error_ ABSL_GUARDED_BY(mu_) = "no answer from the broker";
};

}  // namespace wecom::mqtt
