#include "emulators/finance-sdk/message_cipher.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "emulators/finance-sdk/vendor_codes.h"

namespace wecom::emulator {
namespace {

constexpr size_t kIvSize = 12;
constexpr size_t kTagSize = 16;

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

// Fetched once: an implicit fetch per message would cost a provider lookup.
const EVP_CIPHER* AesGcm() {
  static EVP_CIPHER* const cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  return cipher;
}

CipherCtx NewCipherCtx() { return CipherCtx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free); }

bool IsMessageKey(absl::string_view key) {
  if (key.size() != kMessageKeySize) return false;
  for (char c : key) {
    if (c < '!' || c > '~') return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<std::string> NewMessageKey() {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string key;
  unsigned char random[64];
  while (key.size() < kMessageKeySize) {
    if (RAND_bytes(random, sizeof(random)) != 1) {
      return absl::InternalError("RAND_bytes failed");
    }
    for (unsigned char byte : random) {
      // Rejection sampling keeps the 62 characters equally likely.
      if (byte < 248 && key.size() < kMessageKeySize) key.push_back(kAlphabet[byte % 62]);
    }
  }
  return key;
}

absl::StatusOr<std::string> EncryptChatMessage(absl::string_view key, absl::string_view plaintext) {
  if (!IsMessageKey(key)) return absl::InvalidArgumentError("message key must be 32 characters");
  std::string blob(kIvSize + plaintext.size() + kTagSize, '\0');
  auto* iv = reinterpret_cast<unsigned char*>(blob.data());
  if (RAND_bytes(iv, kIvSize) != 1) return absl::InternalError("RAND_bytes failed");
  CipherCtx ctx = NewCipherCtx();
  int written = 0;
  int final_written = 0;
  if (ctx == nullptr || AesGcm() == nullptr ||
      EVP_EncryptInit_ex2(ctx.get(), AesGcm(), reinterpret_cast<const unsigned char*>(key.data()),
                          iv, nullptr) != 1 ||
      EVP_EncryptUpdate(ctx.get(), iv + kIvSize, &written,
                        reinterpret_cast<const unsigned char*>(plaintext.data()),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), iv + kIvSize + written, &final_written) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagSize,
                          iv + kIvSize + plaintext.size()) != 1) {
    return absl::InternalError("AES-256-GCM encryption failed");
  }
  return absl::Base64Escape(blob);
}

absl::StatusOr<std::string> DecryptChatMessage(absl::string_view key, absl::string_view encrypted) {
  if (!IsMessageKey(key)) {
    return VendorError(kSdkBadEncryptKey,
                       "encrypt_key is not a 32-character message key; pass the RSA-decrypted "
                       "encrypt_random_key, not its base64 text");
  }
  std::string blob;
  if (!absl::Base64Unescape(encrypted, &blob)) {
    return VendorError(kSdkDataParseError, "encrypt_msg is not base64");
  }
  if (blob.size() < kIvSize + kTagSize) {
    return VendorError(kSdkDataParseError, "encrypt_msg is too short to be a chat message");
  }
  const auto* iv = reinterpret_cast<const unsigned char*>(blob.data());
  const size_t body_size = blob.size() - kIvSize - kTagSize;
  std::string plaintext(body_size, '\0');
  std::string tag = blob.substr(kIvSize + body_size);
  CipherCtx ctx = NewCipherCtx();
  int written = 0;
  if (ctx == nullptr || AesGcm() == nullptr ||
      EVP_DecryptInit_ex2(ctx.get(), AesGcm(), reinterpret_cast<const unsigned char*>(key.data()),
                          iv, nullptr) != 1 ||
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plaintext.data()), &written,
                        iv + kIvSize, static_cast<int>(body_size)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagSize, tag.data()) != 1) {
    return VendorError(kSdkSystemError, "AES-256-GCM setup failed");
  }
  int final_written = 0;
  if (EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(plaintext.data()) + written,
                          &final_written) != 1) {
    return VendorError(kSdkDecryptFailure,
                       "encrypt_key does not decrypt encrypt_msg (wrong key or corrupted message)");
  }
  return plaintext;
}

}  // namespace wecom::emulator
