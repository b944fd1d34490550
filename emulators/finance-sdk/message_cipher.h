// The emulator's encryption of chat messages. The vendor's own scheme behind
// DecryptData is private, so the emulator uses AES-256-GCM: the 32-character
// message key is the AES key, and encrypt_chat_msg is
// base64(12-byte IV || ciphertext || 16-byte tag).
#pragma once

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace wecom::emulator {

// Length of a message key (the RSA-encrypted encrypt_random_key).
inline constexpr size_t kMessageKeySize = 32;

// A fresh random message key: 32 letters and digits, so DecryptData can take
// it as a C string.
absl::StatusOr<std::string> NewMessageKey();

// encrypt_chat_msg for `plaintext` under `key`.
absl::StatusOr<std::string> EncryptChatMessage(absl::string_view key, absl::string_view plaintext);

// Reverses EncryptChatMessage. Fails with VendorError 10008 when `key` is not
// a message key (e.g. still base64 or wrongly RSA-decrypted), 10002 when
// `encrypted` is not base64 of a long enough blob, and 10006 when the key does
// not authenticate the message.
absl::StatusOr<std::string> DecryptChatMessage(absl::string_view key, absl::string_view encrypted);

}  // namespace wecom::emulator
