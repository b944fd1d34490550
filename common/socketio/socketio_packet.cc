#include "common/socketio/socketio_packet.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"

namespace wecom::socketio {
namespace {

// Ack ids above 2^53 would not survive the JavaScript side.
constexpr size_t kMaxAckIdDigits = 15;

// The payloads may carry personal data: messages quote at most one character.
std::string Quote(char c) {
  return absl::StrCat("'", absl::CHexEscape(absl::string_view(&c, 1)), "'");
}

absl::StatusOr<nlohmann::json> ParseJson(absl::string_view text, absl::string_view what) {
  nlohmann::json parsed = nlohmann::json::parse(text.begin(), text.end(), nullptr,
                                                /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return absl::InvalidArgumentError(absl::StrCat(what, " is not JSON"));
  return parsed;
}

absl::StatusOr<std::string> DumpJson(const nlohmann::json& value, absl::string_view what) {
  try {
    return value.dump();
  } catch (const nlohmann::json::exception&) {
    return absl::InvalidArgumentError(absl::StrCat(what, " holds a string that is not UTF-8"));
  }
}

absl::StatusOr<absl::Duration> PositiveMilliseconds(const nlohmann::json& open, const char* field) {
  const auto it = open.find(field);
  if (it == open.end()) {
    return absl::InvalidArgumentError(absl::StrCat("engine.io open packet has no ", field));
  }
  if (!it->is_number_integer() || it->get<int64_t>() <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("engine.io open packet's ", field, " is not a positive integer"));
  }
  return absl::Milliseconds(it->get<int64_t>());
}

// Whether `data` suits a packet of `type` (absent data is null).
absl::Status CheckData(SocketIoPacketType type, const nlohmann::json& data) {
  switch (type) {
    case SocketIoPacketType::kConnect:
      if (data.is_null() || data.is_object()) return absl::OkStatus();
      return absl::InvalidArgumentError("socket.io connect packet data is not a JSON object");
    case SocketIoPacketType::kDisconnect:
      if (data.is_null()) return absl::OkStatus();
      return absl::InvalidArgumentError("socket.io disconnect packet carries data");
    case SocketIoPacketType::kEvent:
      if (data.is_array() && !data.empty() && data[0].is_string()) return absl::OkStatus();
      return absl::InvalidArgumentError(
          "socket.io event packet data is not an array starting with the event name");
    case SocketIoPacketType::kAck:
      if (data.is_array()) return absl::OkStatus();
      return absl::InvalidArgumentError("socket.io ack packet data is not an array");
    case SocketIoPacketType::kConnectError:
      if (data.is_object() || data.is_string()) return absl::OkStatus();
      return absl::InvalidArgumentError(
          "socket.io connect error packet data is not an object or a string");
    case SocketIoPacketType::kBinaryEvent:
    case SocketIoPacketType::kBinaryAck:
      break;
  }
  return absl::InvalidArgumentError("binary socket.io packets are not supported");
}

}  // namespace

absl::StatusOr<EngineIoPacket> DecodeEngineIoPacket(absl::string_view frame) {
  if (frame.empty()) return absl::InvalidArgumentError("empty engine.io packet");
  const char type = frame[0];
  if (type == 'b') {
    return absl::InvalidArgumentError("binary engine.io packets are not supported");
  }
  if (type < '0' || type > '6') {
    return absl::InvalidArgumentError(absl::StrCat("unknown engine.io packet type ", Quote(type)));
  }
  return EngineIoPacket{static_cast<EngineIoPacketType>(type), std::string(frame.substr(1))};
}

std::string EncodeEngineIoPacket(EngineIoPacketType type, absl::string_view data) {
  return absl::StrCat(std::string(1, static_cast<char>(type)), data);
}

absl::StatusOr<EngineIoOpen> DecodeEngineIoOpen(absl::string_view data) {
  ASSIGN_OR_RETURN(const nlohmann::json open, ParseJson(data, "engine.io open packet"));
  if (!open.is_object()) {
    return absl::InvalidArgumentError("engine.io open packet is not a JSON object");
  }
  EngineIoOpen result;
  const auto sid = open.find("sid");
  if (sid == open.end() || !sid->is_string() || sid->get_ref<const std::string&>().empty()) {
    return absl::InvalidArgumentError("engine.io open packet has no sid");
  }
  result.sid = sid->get<std::string>();
  ASSIGN_OR_RETURN(result.ping_interval, PositiveMilliseconds(open, "pingInterval"));
  ASSIGN_OR_RETURN(result.ping_timeout, PositiveMilliseconds(open, "pingTimeout"));
  if (const auto upgrades = open.find("upgrades"); upgrades != open.end()) {
    if (!upgrades->is_array()) {
      return absl::InvalidArgumentError("engine.io open packet's upgrades is not an array");
    }
    for (const nlohmann::json& upgrade : *upgrades) {
      if (!upgrade.is_string()) {
        return absl::InvalidArgumentError("engine.io open packet's upgrades are not strings");
      }
      result.upgrades.push_back(upgrade.get<std::string>());
    }
  }
  if (const auto max_payload = open.find("maxPayload"); max_payload != open.end()) {
    if (!max_payload->is_number_integer()) {
      return absl::InvalidArgumentError("engine.io open packet's maxPayload is not an integer");
    }
    result.max_payload = max_payload->get<int64_t>();
  }
  return result;
}

absl::StatusOr<SocketIoPacket> DecodeSocketIoPacket(absl::string_view text) {
  if (text.empty()) return absl::InvalidArgumentError("empty socket.io packet");
  const char type = text[0];
  if (type < '0' || type > '6') {
    return absl::InvalidArgumentError(absl::StrCat("unknown socket.io packet type ", Quote(type)));
  }
  SocketIoPacket packet;
  packet.type = static_cast<SocketIoPacketType>(type - '0');
  if (packet.type == SocketIoPacketType::kBinaryEvent ||
      packet.type == SocketIoPacketType::kBinaryAck) {
    return absl::InvalidArgumentError("binary socket.io packets are not supported");
  }
  absl::string_view rest = text.substr(1);

  // "/nsp[?query]," up to the first comma (or the end, as socket.io's own
  // parser accepts).
  if (!rest.empty() && rest[0] == '/') {
    const size_t comma = rest.find(',');
    absl::string_view nsp = rest.substr(0, comma);
    rest = comma == absl::string_view::npos ? absl::string_view() : rest.substr(comma + 1);
    if (const size_t question = nsp.find('?'); question != absl::string_view::npos) {
      packet.nsp_query = std::string(nsp.substr(question + 1));
      nsp = nsp.substr(0, question);
    }
    packet.nsp = std::string(nsp);
  }

  size_t digits = 0;
  while (digits < rest.size() && absl::ascii_isdigit(static_cast<unsigned char>(rest[digits]))) {
    ++digits;
  }
  if (digits > 0) {
    uint64_t ack_id = 0;
    if (digits > kMaxAckIdDigits || !absl::SimpleAtoi(rest.substr(0, digits), &ack_id)) {
      return absl::InvalidArgumentError("socket.io ack id is too long");
    }
    packet.ack_id = ack_id;
    rest = rest.substr(digits);
  }

  if (!rest.empty()) {
    ASSIGN_OR_RETURN(packet.data, ParseJson(rest, "socket.io packet data"));
  }
  RETURN_IF_ERROR(CheckData(packet.type, packet.data));
  return packet;
}

absl::StatusOr<std::string> EncodeSocketIoPacket(const SocketIoPacket& packet) {
  RETURN_IF_ERROR(CheckData(packet.type, packet.data));
  if (packet.nsp.empty() || packet.nsp[0] != '/' ||
      packet.nsp.find_first_of(",?") != std::string::npos) {
    return absl::InvalidArgumentError("socket.io namespace must start with / and hold no , or ?");
  }
  if (packet.nsp_query.find(',') != std::string::npos) {
    return absl::InvalidArgumentError("socket.io namespace query must be URL-encoded");
  }
  std::string text(1, static_cast<char>('0' + static_cast<int>(packet.type)));
  const bool root = packet.nsp == "/";
  if (!root || !packet.nsp_query.empty()) {
    absl::StrAppend(&text, packet.nsp, packet.nsp_query.empty() ? "" : "?", packet.nsp_query, ",");
  }
  if (packet.ack_id.has_value()) absl::StrAppend(&text, *packet.ack_id);
  if (!packet.data.is_null()) {
    ASSIGN_OR_RETURN(const std::string data, DumpJson(packet.data, "socket.io packet data"));
    absl::StrAppend(&text, data);
  }
  return text;
}

absl::StatusOr<std::string> EncodeEventFrame(absl::string_view nsp, absl::string_view event,
                                             const nlohmann::json& payload) {
  SocketIoPacket packet;
  packet.type = SocketIoPacketType::kEvent;
  packet.nsp = std::string(nsp);
  packet.data = nlohmann::json::array({std::string(event), payload});
  ASSIGN_OR_RETURN(const std::string text, EncodeSocketIoPacket(packet));
  return EncodeEngineIoPacket(EngineIoPacketType::kMessage, text);
}

}  // namespace wecom::socketio
