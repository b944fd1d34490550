// The archive's parsers for the Finance SDK's JSON: GetChatData answers
// (encrypted batches) and decrypted messages (typed wecom.archive.v1 protos).
// Pure functions: no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "wecom/archive/v1/message.pb.h"

namespace wecom::archive {

// One chatdata entry: a message still encrypted, as GetChatData returns it.
struct EncryptedChatData {
  // The message's place in the corp's archive; the next pull starts after it.
  uint64_t seq = 0;
  // Ends with "_external" or "_updown_stream" for external / up-down-stream messages.
  std::string msgid;
  // Which of the corp's public keys encrypted encrypt_random_key.
  uint32_t publickey_ver = 0;
  // Base64 of the RSA (PKCS#1) encrypted key for DecryptData.
  std::string encrypt_random_key;
  // The ciphertext DecryptData turns into the message JSON.
  std::string encrypt_chat_msg;
  // Empty for a well-formed entry; otherwise what is wrong with it (a field
  // missing or of the wrong type). Such an entry is kept, not fatal to its
  // page, so one bad entry cannot stall a corp's archive.
  std::string malformed;
};

// A whole GetChatData answer.
struct EncryptedChatBatch {
  // 0 on success; otherwise the vendor's error code, explained by errmsg.
  int64_t errcode = 0;
  std::string errmsg;
  std::vector<EncryptedChatData> chatdata;
};

// Parses GetChatData's JSON. A non-zero errcode is data, returned in the
// batch; malformed JSON, or a missing or wrongly typed errcode, errmsg or
// chatdata, is INVALID_ARGUMENT naming the field. A chatdata entry with a
// missing or wrongly typed field is returned with `malformed` saying which. chatdata is
// required when errcode is 0. Unknown keys are ignored.
absl::StatusOr<EncryptedChatBatch> ParseChatDataResponse(std::string_view json);

// Parses one message as DecryptData returned it: the common fields, the
// msgtype's content (mixed and chatrecord items parsed by their type), the
// switch log (action "switch"), and the derived fields message.proto
// documents. original_json is always the input.
//
// Tolerant of the vendor's sloppiness: numbers may be strings or floats and
// absent fields take defaults. An unknown msgtype keeps the common fields and
// leaves content unset. Invalid JSON, a non-object, a missing msgid or a value
// of the wrong shape is INVALID_ARGUMENT naming what was wrong.
absl::StatusOr<wecom::archive::v1::ChatMessage> ParseChatMessage(std::string_view decrypted_json);

// The quote in a text message's content, or nullopt when it is not a quote.
// Two forms are recognised:
//   archive: "这是一条引用/回复消息：" or "This is a quote/reply:", a line with
//            the quoted user, the quoted text, a "------" line, the reply;
//            quotation marks around user and text and the colon after the user
//            are optional, ASCII or full-width.
//   WeChat:  "「USER：QUOTE」", a "- - - - - - - - - - - - - - -" line, the reply.
std::optional<wecom::archive::v1::Quote> ParseQuote(std::string_view content);

}  // namespace wecom::archive
