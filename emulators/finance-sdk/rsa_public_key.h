// The RSA-2048 public key of one publickey_ver, which encrypts message keys
// into encrypt_random_key as the vendor documents (PKCS#1 v1.5).
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace wecom::emulator {

class RsaPublicKey {
 public:
  // Reads a PEM public key ("PUBLIC KEY" or "RSA PUBLIC KEY"); it must be
  // RSA with a 2048-bit modulus, as the vendor requires.
  static absl::StatusOr<RsaPublicKey> ReadPem(const std::string& path);

  // RSA PKCS#1 v1.5 encryption of `data`. Safe to call from many threads.
  absl::StatusOr<std::string> EncryptPkcs1(absl::string_view data) const;

 private:
  explicit RsaPublicKey(std::shared_ptr<EVP_PKEY> key) : key_(std::move(key)) {}
  std::shared_ptr<EVP_PKEY> key_;
};

}  // namespace wecom::emulator
