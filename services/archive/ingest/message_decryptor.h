// Turns one encrypted chatdata entry into an ArchivedMessage, following the
// vendor's recipe: base64 -> RSA PKCS#1 with the key of publickey_ver ->
// DecryptData -> JSON. Never fails: a message it cannot decrypt or parse is
// kept raw with the reason, to be retried when keys change.
#pragma once

#include <string_view>

#include "services/archive/keys/key_ring.h"
#include "services/archive/parse/message_parser.h"
#include "services/archive/sdk/finance_sdk.h"
#include "wecom/archive/v1/archive_service.pb.h"

namespace wecom::archive {

class MessageDecryptor {
 public:
  MessageDecryptor(const KeyRing* keys, FinanceSdk* sdk) : keys_(keys), sdk_(sdk) {}

  // Safe from many threads at once.
  wecom::archive::v1::ArchivedMessage Decrypt(std::string_view corp,
                                              const EncryptedChatData& data) const;

  // Tries an UNDECRYPTABLE stored message again; true when it is now DECRYPTED.
  bool Retry(wecom::archive::v1::ArchivedMessage* message) const;

  // True when `message` failed for want of a key that is loaded now (the keys
  // were reloaded while it was being decrypted).
  bool KeyArrivedSince(const wecom::archive::v1::ArchivedMessage& message) const;

 private:
  // Fills message/status/failure from the envelope already in `out`.
  void DecryptEnvelope(wecom::archive::v1::ArchivedMessage* out) const;

  const KeyRing* keys_;
  FinanceSdk* sdk_;
};

}  // namespace wecom::archive
