// QuntoolMqttChannel: quntool's MQTT way of sending (seed 003 "MQTT方式发送消息"):
// publish to topic SendMessage a message with the HTTP send fields plus
// `type` (text, image, personCard, link, file, video, miniProgram, roomAt,
// gif, videoNum) and a unique `id`; the server answers on SendMessageResp with
// {"id", "msgId"}.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace wecom::robot {

class QuntoolMqttChannel {
 public:
  virtual ~QuntoolMqttChannel() = default;
  // Publishes `message` (with `type` and `id` set) and waits for the answer
  // carrying the same `id`; returns its msgId. DEADLINE_EXCEEDED when no
  // answer came within `timeout` (the message may have been sent);
  // UNAVAILABLE when it could not be published (it was not).
  virtual absl::StatusOr<std::string> Send(const nlohmann::json& message,
                                           absl::Duration timeout) = 0;
};

}  // namespace wecom::robot
