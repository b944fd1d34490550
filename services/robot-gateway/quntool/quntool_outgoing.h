// How a MessageContent goes to quntool: the HTTP send endpoint, the MQTT
// `type` (seed 003 "MQTT方式发送消息"), and the fields both carry. One mapping
// for both transports, so a message reads the same whichever way it goes.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "services/robot-gateway/platform/robot_platform.h"

namespace wecom::robot {

// quntool's rule: "超过5M的gif需要用文件消息接口(/msg/file)发送".
inline constexpr uint64_t kQuntoolMaxGifBytes = 5 * 1024 * 1024;

struct QuntoolSend {
  // "/msg/text", "/miniProgram/send", …
  std::string path;
  // The MQTT type ("text", "roomAt", …), or "" for kinds MQTT does not carry
  // (voice, quote, saved mini programs and Channels videos).
  std::string mqtt_type;
  // wxId, conversationId and the kind's fields.
  nlohmann::json body;
};

// The send for `message`. A gif goes as a file when `gif_as_file` (the caller
// knows it is over kQuntoolMaxGifBytes). INVALID_ARGUMENT when the content
// has no kind.
absl::StatusOr<QuntoolSend> QuntoolSendFor(const OutgoingMessage& message, bool gif_as_file);

}  // namespace wecom::robot
