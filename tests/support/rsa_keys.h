// RSA key pairs made for a test, as the PEM files the vendor's tooling and the
// archive use.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace wecom::testing {

struct RsaKeyPem {
  std::string private_pkcs8;  // "BEGIN PRIVATE KEY"
  std::string private_pkcs1;  // "BEGIN RSA PRIVATE KEY", the same key
  std::string public_spki;    // "BEGIN PUBLIC KEY" (SubjectPublicKeyInfo)
};

// A new key pair; 2048 bits is the vendor's size (and slow to make).
absl::StatusOr<RsaKeyPem> MakeRsaKeyPair(int bits = 2048);

}  // namespace wecom::testing
