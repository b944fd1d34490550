// The data of the document's "quntool端接收消息的回调" for each received
// message type, filled with representative values from the document's
// examples; the emulator's control API injects them.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "emulators/quntool/quntool_world.h"

namespace wecom::quntool {

struct ReceivedMessage {
  std::string type;  // "text_msg", "image_msg", … as the callback's type
  std::string conversation_id;
  std::string sender;
  std::string sender_name;
  std::string receiver;  // the logged-in account
  std::string server_id;
  int64_t send_time = 0;  // Unix seconds
  // For media types: the server-relative path the media was cached at.
  std::string file_path;
};

// Whether `type` is one of the document's received message types (text_msg,
// image_msg, video_msg, voice_msg, file_msg, location_msg, link_card_msg,
// emoticon_msg, red_packet_msg, person_card_msg, mini_program_msg,
// video_num_msg) or chat_gray_msg.
bool IsReceivedMessageType(absl::string_view type);
// Whether the type carries a file_path the gateway may download.
bool HasMediaFile(absl::string_view type);
// The callback's data; the caller overlays what a test wants to differ.
absl::StatusOr<Json> ReceivedMessageData(const ReceivedMessage& message);

}  // namespace wecom::quntool
