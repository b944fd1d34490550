// The document's MQTT way of sending ("MQTT方式发送消息"): the emulator, as an
// MQTT client of a broker, takes each message published to SendMessage,
// sends it with QuntoolEmulator::SendMessage as the HTTP send routes do, and
// publishes the answer to SendMessageResp: {"id", "msgId"}, or for a refused
// send the emulator's own {"id", "msgId": null, "code": -1, "msg": reason}
// (the document shows no error answer).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/mqtt/mqtt_client.h"
#include "emulators/quntool/quntool_emulator.h"

namespace wecom::quntool {

inline constexpr char kSendMessageTopic[] = "SendMessage";
inline constexpr char kSendMessageRespTopic[] = "SendMessageResp";

class QuntoolMqttFront {
 public:
  // `emulator` must outlive the front.
  explicit QuntoolMqttFront(QuntoolEmulator& emulator);

  // Connects to the broker at host:port and subscribes to SendMessage,
  // waiting up to `timeout`; afterwards it reconnects by itself.
  absl::Status Start(const std::string& host, int port, absl::Duration timeout);
  // Connected and subscribed (again, after a broker restart).
  bool WaitReady(absl::Duration timeout) { return client_.WaitReady(timeout); }

  // Messages dropped without an answer because they carried no id: not
  // JSON, not an object, or no string or number `id`.
  int64_t dropped_messages() const { return dropped_messages_.load(); }

 private:
  void Handle(const mqtt::MqttMessage& message);

  QuntoolEmulator& emulator_;
  std::atomic<int64_t> dropped_messages_{0};
  // Last: its network thread, which calls Handle, stops first.
  mqtt::MqttClient client_;
};

}  // namespace wecom::quntool
