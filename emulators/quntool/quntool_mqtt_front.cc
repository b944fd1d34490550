#include "emulators/quntool/quntool_mqtt_front.h"

#include <algorithm>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "emulators/quntool/api_routes.h"
#include "emulators/quntool/request_params.h"

namespace wecom::quntool {
namespace {

// The `type` values the document lists for MQTT; voice and quote have HTTP
// endpoints only.
constexpr absl::string_view kMqttTypes[] = {"text", "image",   "personCard",  "link",
                                            "file", "video",   "miniProgram", "roomAt",
                                            "gif",  "videoNum"};
constexpr int kQos = 1;

bool IsUsableId(const Json& id) {
  return (id.is_string() && !id.get<std::string>().empty()) || id.is_number();
}

// Sends `params` (keys lower-cased, with the MQTT `type`) as the HTTP send
// route of that type would.
absl::StatusOr<std::string> Send(QuntoolEmulator& emulator, Json params) {
  ASSIGN_OR_RETURN(const std::string type, RequiredString(params, "type"));
  if (std::find(std::begin(kMqttTypes), std::end(kMqttTypes), type) == std::end(kMqttTypes)) {
    return absl::InvalidArgumentError(absl::StrCat("不支持的消息类型: ", type));
  }
  params.erase("type");
  return emulator.SendMessage({type, std::move(params)});
}

}  // namespace

QuntoolMqttFront::QuntoolMqttFront(QuntoolEmulator& emulator)
    : emulator_(emulator), client_([this](const mqtt::MqttMessage& message) { Handle(message); }) {}

absl::Status QuntoolMqttFront::Start(const std::string& host, int port, absl::Duration timeout) {
  RETURN_IF_ERROR(client_.Subscribe(kSendMessageTopic, kQos));
  return client_.Connect(host, port, /*client_id=*/"", timeout);
}

void QuntoolMqttFront::Handle(const mqtt::MqttMessage& message) {
  const Json parsed = Json::parse(message.payload, nullptr, /*allow_exceptions=*/false);
  // The fields as the HTTP routes read them: keys lower-cased, since the
  // document says parameters are case-insensitive.
  Json params = parsed.is_discarded() ? Json() : LowercaseKeys(parsed);
  if (!params.is_object() || !params.contains("id") || !IsUsableId(params["id"])) {
    // Nothing to answer to: the sender could not match an answer.
    ++dropped_messages_;
    return;
  }
  const Json id = params["id"];
  params.erase("id");
  const absl::StatusOr<std::string> msg_id = Send(emulator_, std::move(params));
  Json answer = {{"id", id}};
  if (msg_id.ok()) {
    answer["msgId"] = *msg_id;
  } else {
    answer["msgId"] = nullptr;
    answer["code"] = kCodeFailed;
    answer["msg"] = std::string(msg_id.status().message());
  }
  // A lost answer is the sender's timeout, as with the real server.
  (void)client_.Publish(kSendMessageRespTopic,
                        answer.dump(-1, ' ', false, Json::error_handler_t::replace), kQos);
}

}  // namespace wecom::quntool
