#include "common/config/secret.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "absl/strings/str_cat.h"

namespace wecom {

bool Secret::Matches(absl::string_view candidate) const {
  // Comparing digests instead of the values hides the lengths, and
  // CRYPTO_memcmp does not stop at the first difference.
  unsigned char expected[SHA256_DIGEST_LENGTH];
  unsigned char presented[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(value_.data()), value_.size(), expected);
  SHA256(reinterpret_cast<const unsigned char*>(candidate.data()), candidate.size(), presented);
  return CRYPTO_memcmp(expected, presented, SHA256_DIGEST_LENGTH) == 0;
}

std::string SecretSource::Describe() const {
  switch (kind) {
    case Kind::kFile:
      return absl::StrCat("file ", reference);
    case Kind::kEnv:
      return absl::StrCat("env ", reference);
    case Kind::kValue:
      return "inline value";
  }
  return "unknown source";
}

}  // namespace wecom
