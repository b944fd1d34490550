#include "services/robot-gateway/quntool/mosquitto_quntool_channel.h"

#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status/status_macros.h"
#include "common/status/vendor_error.h"
#include "services/robot-gateway/platform/vendor_json.h"
#include "services/robot-gateway/quntool/quntool_api.h"
#include "wecom/common/v1/vendor_error.pb.h"

namespace wecom::robot {
namespace {

using nlohmann::json;

constexpr char kSendTopic[] = "SendMessage";
constexpr char kAnswerTopic[] = "SendMessageResp";
constexpr int kQos = 1;
constexpr absl::string_view kVendor = "quntool";
constexpr absl::string_view kEndpoint = "mqtt:SendMessage";

// The answer's msgId, or the failure it carries.
absl::StatusOr<std::string> ReadAnswer(const json& answer, std::string& result) {
  std::string msg_id = JsonString(answer, "msgId");
  if (!msg_id.empty()) {
    result = "ok";
    return msg_id;
  }
  if (!answer.contains("code") && !answer.contains("msg")) {
    result = "malformed_response";
    return QuntoolMalformedResponse(kEndpoint, "an answer with neither msgId nor code");
  }
  const int64_t code = JsonInt(answer, "code");
  result = absl::StrCat(code);
  return QuntoolRefusal(kSendTopic, code, JsonString(answer, "msg"));
}

}  // namespace

MosquittoQuntoolChannel::MosquittoQuntoolChannel(GatewayMetrics* metrics)
    : metrics_(metrics), client_([this](const mqtt::MqttMessage& message) { OnAnswer(message); }) {}

absl::StatusOr<std::unique_ptr<MosquittoQuntoolChannel>> MosquittoQuntoolChannel::Connect(
    MosquittoQuntoolChannelOptions options) {
  auto channel =
      std::unique_ptr<MosquittoQuntoolChannel>(new MosquittoQuntoolChannel(options.metrics));
  RETURN_IF_ERROR(channel->client_.Subscribe(kAnswerTopic, kQos));
  RETURN_IF_ERROR(channel->client_.Connect(options.host, options.port, options.client_id,
                                           options.connect_timeout));
  return channel;
}

absl::StatusOr<std::string> MosquittoQuntoolChannel::Send(const json& message,
                                                          absl::Duration timeout) {
  if (!message.is_object() || JsonString(message, "type").empty()) {
    return absl::InvalidArgumentError("an MQTT send is an object with a type");
  }
  const std::string id = JsonString(message, "id");
  if (id.empty()) return absl::InvalidArgumentError("an MQTT send needs an id");
  {
    absl::MutexLock lock(&mu_);
    if (!pending_.try_emplace(id).second) {
      return absl::AlreadyExistsError(
          absl::StrCat("an MQTT send with id ", id, " is still waiting for its answer"));
    }
  }
  const absl::Cleanup forget = [this, &id] {
    absl::MutexLock lock(&mu_);
    pending_.erase(id);
  };
  const absl::Time start = absl::Now();
  std::string result = "transport_error";
  absl::StatusOr<std::string> msg_id = Exchange(message, id, timeout, result);
  if (metrics_ != nullptr) metrics_->VendorCall(kVendor, kEndpoint, result, absl::Now() - start);
  return msg_id;
}

absl::StatusOr<std::string> MosquittoQuntoolChannel::Exchange(const json& message,
                                                              const std::string& id,
                                                              absl::Duration timeout,
                                                              std::string& result) {
  RETURN_IF_ERROR(client_.Publish(
      kSendTopic, message.dump(-1, ' ', false, json::error_handler_t::replace), kQos));
  absl::MutexLock lock(&mu_);
  auto answered = [this, &id]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return pending_.find(id)->second.has_value();
  };
  if (!mu_.AwaitWithTimeout(absl::Condition(&answered), timeout)) {
    return absl::DeadlineExceededError(absl::StrCat("no answer on ", kAnswerTopic, " for id ", id,
                                                    " within ", absl::FormatDuration(timeout),
                                                    "; the message may have been sent"));
  }
  return ReadAnswer(*pending_.find(id)->second, result);
}

void MosquittoQuntoolChannel::OnAnswer(const mqtt::MqttMessage& message) {
  json answer = json::parse(message.payload, nullptr, /*allow_exceptions=*/false);
  if (answer.is_discarded() || !answer.is_object()) return;
  const std::string id = JsonString(answer, "id");
  absl::MutexLock lock(&mu_);
  const auto it = pending_.find(id);
  // Not ours, or a redelivery of an answer already taken.
  if (it == pending_.end() || it->second.has_value()) return;
  it->second = std::move(answer);
}

}  // namespace wecom::robot
