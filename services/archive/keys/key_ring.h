// KeyRing: a corp's RSA private keys by publickey_ver, used to decrypt each
// message's encrypt_random_key.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "openssl/types.h"

namespace wecom::archive {

// A corp's RSA private keys by publickey_ver. Thread-safe: any number of
// threads may decrypt at once while another replaces the keys.
class KeyRing {
 public:
  KeyRing();
  ~KeyRing();
  KeyRing(const KeyRing&) = delete;
  KeyRing& operator=(const KeyRing&) = delete;

  // Replaces every key at once with these PEM private keys (PKCS#1 "RSA
  // PRIVATE KEY" or PKCS#8 "PRIVATE KEY"). The PEM text is wiped before
  // returning. If any key is bad, returns INVALID_ARGUMENT naming its version
  // and keeps the keys in force unchanged.
  absl::Status Replace(std::map<uint32_t, std::string> pem_by_version);

  // The random key: encrypt_random_key base64-decoded, then RSA PKCS#1 v1.5
  // decrypted with the key of `publickey_ver`. NOT_FOUND when no key is loaded
  // for that version; DATA_LOSS when the text is not base64 or decryption fails.
  absl::StatusOr<std::string> DecryptRandomKey(uint32_t publickey_ver,
                                               std::string_view encrypt_random_key_base64) const;

  // The loaded key versions, ascending.
  std::vector<uint32_t> versions() const;

 private:
  struct KeyDeleter {
    void operator()(EVP_PKEY* key) const;
  };
  using KeyMap = std::map<uint32_t, std::unique_ptr<EVP_PKEY, KeyDeleter>>;

  mutable absl::Mutex mu_;
  // Swapped whole by Replace; a decrypt holds its own reference, so a
  // replacement never waits for decrypts in flight nor frees a key under them.
  std::shared_ptr<const KeyMap> keys_ ABSL_GUARDED_BY(mu_);
};

}  // namespace wecom::archive
