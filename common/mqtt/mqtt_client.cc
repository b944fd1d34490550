#include "common/mqtt/mqtt_client.h"

#include <mosquitto.h>

#include <algorithm>
#include <mutex>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace wecom::mqtt {
namespace {

constexpr int kKeepaliveSeconds = 30;
constexpr unsigned kReconnectDelayMinSeconds = 1;
constexpr unsigned kReconnectDelayMaxSeconds = 8;
// Between attempts when the first connect fails at once (connection refused).
constexpr absl::Duration kFirstConnectRetry = absl::Milliseconds(200);
// SUBACK's granted QoS for a refused subscription.
constexpr int kSubscriptionRefused = 0x80;

void InitLibraryOnce() {
  static std::once_flag once;
  // Never cleaned up: the library stays usable until the process exits.
  std::call_once(once, [] { mosquitto_lib_init(); });
}

// Errors of the arguments, which a later attempt cannot fix.
bool IsBadArgument(int result) {
  return result == MOSQ_ERR_INVAL || result == MOSQ_ERR_NOT_SUPPORTED ||
         result == MOSQ_ERR_MALFORMED_UTF8 || result == MOSQ_ERR_PAYLOAD_SIZE ||
         result == MOSQ_ERR_QOS_NOT_SUPPORTED;
}

}  // namespace

MqttClient::MqttClient(MessageHandler on_message) : on_message_(std::move(on_message)) {
  InitLibraryOnce();
}

MqttClient::~MqttClient() { Shutdown(); }

void MqttClient::Shutdown() {
  if (handle_ == nullptr) return;
  // Disconnecting first makes the network thread leave its loop, also while
  // it waits to reconnect; loop_stop wakes it and joins it.
  mosquitto_disconnect(handle_);
  if (loop_started_) mosquitto_loop_stop(handle_, /*force=*/false);
  loop_started_ = false;
  mosquitto_destroy(handle_);
  handle_ = nullptr;
  absl::MutexLock lock(&mu_);
  connected_ = false;
  unacknowledged_subscribes_.clear();
}

absl::Status MqttClient::Connect(const std::string& host, int port, const std::string& client_id,
                                 absl::Duration timeout) {
  if (handle_ != nullptr) return absl::FailedPreconditionError("MqttClient: already connected");
  const absl::Time deadline = absl::Now() + timeout;
  const std::string broker = absl::StrCat(host, ":", port);
  handle_ =
      mosquitto_new(client_id.empty() ? nullptr : client_id.c_str(), /*clean_session=*/true, this);
  if (handle_ == nullptr) return absl::InternalError("mosquitto_new failed");
  mosquitto_connect_callback_set(handle_, &MqttClient::OnConnect);
  mosquitto_disconnect_callback_set(handle_, &MqttClient::OnDisconnect);
  mosquitto_subscribe_callback_set(handle_, &MqttClient::OnSubscribe);
  mosquitto_message_callback_set(handle_, &MqttClient::OnMessage);
  mosquitto_reconnect_delay_set(handle_, kReconnectDelayMinSeconds, kReconnectDelayMaxSeconds,
                                /*reconnect_exponential_backoff=*/true);

  // The network thread retries only connections that got under way: a
  // connect failing at once (refused on loopback) leaves the handle in a
  // state the thread never leaves, so those are retried here.
  while (true) {
    const int result = mosquitto_connect_async(handle_, host.c_str(), port, kKeepaliveSeconds);
    if (result == MOSQ_ERR_SUCCESS) break;
    const std::string error =
        absl::StrCat("MQTT broker ", broker, ": ", mosquitto_strerror(result));
    if (IsBadArgument(result)) {
      Shutdown();
      return absl::InvalidArgumentError(error);
    }
    if (absl::Now() + kFirstConnectRetry >= deadline) {
      Shutdown();
      return absl::UnavailableError(error);
    }
    absl::SleepFor(kFirstConnectRetry);
  }
  if (const int result = mosquitto_loop_start(handle_); result != MOSQ_ERR_SUCCESS) {
    Shutdown();
    return absl::InternalError(absl::StrCat("mosquitto_loop_start: ", mosquitto_strerror(result)));
  }
  loop_started_ = true;
  if (WaitReady(deadline - absl::Now())) return absl::OkStatus();
  std::string error;
  {
    absl::MutexLock lock(&mu_);
    error = last_error_;
  }
  Shutdown();
  return absl::UnavailableError(absl::StrCat("MQTT broker ", broker, ": not connected within ",
                                             absl::FormatDuration(timeout), ": ", error));
}

absl::Status MqttClient::Subscribe(const std::string& topic, int qos) {
  if (qos < 0 || qos > 2 || mosquitto_sub_topic_check(topic.c_str()) != MOSQ_ERR_SUCCESS) {
    return absl::InvalidArgumentError(
        absl::StrCat("MQTT: cannot subscribe to \"", topic, "\" with QoS ", qos));
  }
  absl::MutexLock lock(&mu_);
  topics_.emplace_back(topic, qos);
  if (connected_) SendSubscribe(topic, qos);
  return absl::OkStatus();
}

void MqttClient::SendSubscribe(const std::string& topic, int qos) {
  int mid = 0;
  const int result = mosquitto_subscribe(handle_, &mid, topic.c_str(), qos);
  if (result != MOSQ_ERR_SUCCESS) {
    subscribe_failed_ = true;
    last_error_ = absl::StrCat("subscribe ", topic, ": ", mosquitto_strerror(result));
    return;
  }
  // Recorded under mu_, which OnSubscribe takes, so the SUBACK cannot be
  // handled before its mid is known.
  unacknowledged_subscribes_.insert(mid);
}

absl::Status MqttClient::Publish(const std::string& topic, absl::string_view payload, int qos) {
  {
    absl::MutexLock lock(&mu_);
    if (!connected_) {
      return absl::UnavailableError(absl::StrCat("MQTT: not connected (", last_error_, ")"));
    }
  }
  const int result = mosquitto_publish(handle_, /*mid=*/nullptr, topic.c_str(),
                                       static_cast<int>(payload.size()), payload.data(), qos,
                                       /*retain=*/false);
  // A connection lost since the check above: QoS 1 and 2 messages stay
  // queued and are sent after the reconnect.
  if (result == MOSQ_ERR_SUCCESS || (result == MOSQ_ERR_NO_CONN && qos > 0)) {
    return absl::OkStatus();
  }
  const std::string error =
      absl::StrCat("MQTT publish to ", topic, ": ", mosquitto_strerror(result));
  return IsBadArgument(result) ? absl::InvalidArgumentError(error) : absl::UnavailableError(error);
}

bool MqttClient::WaitReady(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(
      absl::Condition(
          +[](MqttClient* self) ABSL_NO_THREAD_SAFETY_ANALYSIS { return self->Ready(); }, this),
      std::max(timeout, absl::ZeroDuration()));
}

void MqttClient::OnConnect(mosquitto* handle, void* self, int result) {
  auto* client = static_cast<MqttClient*>(self);
  absl::MutexLock lock(&client->mu_);
  if (result != 0) {
    client->last_error_ = absl::StrCat("connection refused: ", mosquitto_connack_string(result));
    return;
  }
  client->connected_ = true;
  client->subscribe_failed_ = false;
  client->unacknowledged_subscribes_.clear();
  // A clean session: the broker forgot the subscriptions with the old one.
  for (const auto& [topic, qos] : client->topics_) client->SendSubscribe(topic, qos);
}

void MqttClient::OnDisconnect(mosquitto* handle, void* self, int result) {
  auto* client = static_cast<MqttClient*>(self);
  absl::MutexLock lock(&client->mu_);
  client->connected_ = false;
  client->unacknowledged_subscribes_.clear();
  client->last_error_ =
      result == 0 ? "disconnected" : absl::StrCat("connection lost: ", mosquitto_strerror(result));
}

void MqttClient::OnSubscribe(mosquitto* handle, void* self, int mid, int qos_count,
                             const int* granted_qos) {
  auto* client = static_cast<MqttClient*>(self);
  absl::MutexLock lock(&client->mu_);
  client->unacknowledged_subscribes_.erase(mid);
  for (int i = 0; i < qos_count; ++i) {
    if (granted_qos[i] == kSubscriptionRefused) {
      client->subscribe_failed_ = true;
      client->last_error_ = "the broker refused a subscription";
    }
  }
}

void MqttClient::OnMessage(mosquitto* handle, void* self, const mosquitto_message* message) {
  auto* client = static_cast<MqttClient*>(self);
  MqttMessage received;
  received.topic = message->topic == nullptr ? "" : message->topic;
  if (message->payloadlen > 0) {
    received.payload.assign(static_cast<const char*>(message->payload),
                            static_cast<size_t>(message->payloadlen));
  }
  client->on_message_(received);
}

}  // namespace wecom::mqtt
