// The socket.io wire format over a WebSocket: engine.io packets (v3 and v4,
// which frame the same way over WebSocket; they differ in the open packet and
// in who pings) carrying socket.io packets such as
//   42/imchat,["message",{...}]   engine.io message 4, socket.io event 2
// Pure functions: malformed input is INVALID_ARGUMENT naming what is wrong.
// Binary packets and HTTP long-polling payloads are not supported.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace wecom::socketio {

// The engine.io protocol revision: 3 for socket.io 2 servers, 4 for socket.io
// 3 and 4.
enum class EngineIoVersion { kV3 = 3, kV4 = 4 };

enum class EngineIoPacketType : char {
  kOpen = '0',
  kClose = '1',
  kPing = '2',
  kPong = '3',
  kMessage = '4',
  kUpgrade = '5',
  kNoop = '6',
};

struct EngineIoPacket {
  EngineIoPacketType type = EngineIoPacketType::kNoop;
  std::string data;
};

// One WebSocket text frame.
absl::StatusOr<EngineIoPacket> DecodeEngineIoPacket(absl::string_view frame);
std::string EncodeEngineIoPacket(EngineIoPacketType type, absl::string_view data = "");

// The JSON of the server's open packet ("0{...}").
struct EngineIoOpen {
  std::string sid;
  absl::Duration ping_interval;
  absl::Duration ping_timeout;
  std::vector<std::string> upgrades;
  // Sent by engine.io v4 servers only.
  std::optional<int64_t> max_payload;
};
absl::StatusOr<EngineIoOpen> DecodeEngineIoOpen(absl::string_view data);

enum class SocketIoPacketType {
  kConnect = 0,
  kDisconnect = 1,
  kEvent = 2,
  kAck = 3,
  kConnectError = 4,
  kBinaryEvent = 5,
  kBinaryAck = 6,
};

struct SocketIoPacket {
  SocketIoPacketType type = SocketIoPacketType::kEvent;
  // "/" or e.g. "/imchat".
  std::string nsp = "/";
  // A v3 connect packet's query ("token=...&msgFilter=1"), written as
  // "40/imchat?token=...,". Empty otherwise.
  std::string nsp_query;
  std::optional<uint64_t> ack_id;
  // Absent (null) or the JSON payload: connect: an object (v4 auth, or the
  // server's {"sid"}); connect error: an object or a string; event: an array
  // starting with the event name; ack: an array.
  nlohmann::json data;
};

// The data of an engine.io message packet (after the '4').
absl::StatusOr<SocketIoPacket> DecodeSocketIoPacket(absl::string_view text);
// INVALID_ARGUMENT for binary types and for data the type does not allow
// (see SocketIoPacket::data).
absl::StatusOr<std::string> EncodeSocketIoPacket(const SocketIoPacket& packet);

// The WebSocket frame of an event: "42" + nsp + "," + ["event",payload].
// INVALID_ARGUMENT when a string in the payload is not UTF-8.
absl::StatusOr<std::string> EncodeEventFrame(absl::string_view nsp, absl::string_view event,
                                             const nlohmann::json& payload);

}  // namespace wecom::socketio
