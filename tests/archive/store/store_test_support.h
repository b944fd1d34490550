// The messages the store tests commit.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "wecom/archive/v1/archive_service.pb.h"

namespace wecom::archive {

// A decrypted text message in `conversation_id` sent at `msgtime` (UTC ms).
inline v1::ArchivedMessage DecryptedMessage(uint64_t seq, std::string_view msgid,
                                            std::string_view conversation_id = "alice|bob",
                                            int64_t msgtime = 1'700'000'000'000) {
  v1::ArchivedMessage message;
  message.set_seq(seq);
  message.set_msgid(std::string(msgid));
  message.set_publickey_ver(1);
  message.set_status(v1::DECRYPT_STATUS_DECRYPTED);
  message.mutable_message()->set_msgid(std::string(msgid));
  message.mutable_message()->set_msgtype("text");
  message.mutable_message()->set_msgtime(msgtime);
  message.mutable_message()->set_conversation_id(std::string(conversation_id));
  message.mutable_message()->mutable_text()->set_content("text of " + std::string(msgid));
  return message;
}

// A message stored raw because no key was loaded for it.
inline v1::ArchivedMessage UndecryptableMessage(uint64_t seq, std::string_view msgid) {
  v1::ArchivedMessage message;
  message.set_seq(seq);
  message.set_msgid(std::string(msgid));
  message.set_publickey_ver(9);
  message.set_status(v1::DECRYPT_STATUS_UNDECRYPTABLE);
  message.set_failure(v1::FAILURE_REASON_UNKNOWN_KEY_VERSION);
  message.set_failure_detail("no private key for publickey_ver 9");
  message.mutable_envelope()->set_publickey_ver(9);
  message.mutable_envelope()->set_encrypt_random_key("cmFuZG9t");
  message.mutable_envelope()->set_encrypt_chat_msg("Y2lwaGVy");
  return message;
}

}  // namespace wecom::archive
