#include "services/archive/keys/key_ring.h"

#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "openssl/bio.h"
#include "openssl/crypto.h"
#include "openssl/err.h"
#include "openssl/evp.h"
#include "openssl/pem.h"
#include "openssl/rsa.h"

namespace wecom::archive {
namespace {

// An encrypted PEM would otherwise make OpenSSL prompt on the terminal.
int RefusePassphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*user*/) { return -1; }

// OpenSSL's reason for the last failure ("no start line", "bad decrypt"): it
// names what was wrong and never carries key material. Clears the error queue
// so a later call does not report this failure.
std::string TakeOpenSslReason() {
  const char* reason = ERR_reason_error_string(ERR_peek_last_error());
  std::string text = reason != nullptr ? reason : "unknown error";
  ERR_clear_error();
  return text;
}

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};

}  // namespace

void KeyRing::KeyDeleter::operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }

KeyRing::KeyRing() : keys_(std::make_shared<const KeyMap>()) {}

KeyRing::~KeyRing() = default;

absl::Status KeyRing::Replace(std::map<uint32_t, std::string> pem_by_version) {
  absl::Cleanup wipe = [&pem_by_version] {
    for (auto& [version, pem] : pem_by_version) OPENSSL_cleanse(pem.data(), pem.size());
  };
  auto parsed = std::make_shared<KeyMap>();
  for (const auto& [version, pem] : pem_by_version) {
    // A read-only BIO over the caller's text: OpenSSL makes no copy to wipe.
    std::unique_ptr<BIO, BioDeleter> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (bio == nullptr) {
      return absl::ResourceExhaustedError(
          absl::StrCat("cannot allocate a buffer to parse the key of publickey_ver ", version));
    }
    std::unique_ptr<EVP_PKEY, KeyDeleter> key(
        PEM_read_bio_PrivateKey(bio.get(), nullptr, RefusePassphrase, nullptr));
    if (key == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the key of publickey_ver ", version,
          " is not an unencrypted PEM private key (PKCS#1 or PKCS#8): ", TakeOpenSslReason()));
    }
    if (!EVP_PKEY_is_a(key.get(), "RSA")) {
      return absl::InvalidArgumentError(
          absl::StrCat("the key of publickey_ver ", version, " is not an RSA key"));
    }
    parsed->emplace(version, std::move(key));
  }
  absl::MutexLock lock(&mu_);
  keys_ = std::move(parsed);
  return absl::OkStatus();
}

absl::StatusOr<std::string> KeyRing::DecryptRandomKey(
    uint32_t publickey_ver, std::string_view encrypt_random_key_base64) const {
  std::shared_ptr<const KeyMap> keys;
  {
    absl::ReaderMutexLock lock(&mu_);
    keys = keys_;
  }
  auto it = keys->find(publickey_ver);
  if (it == keys->end()) {
    return absl::NotFoundError(absl::StrCat("no private key for publickey_ver ", publickey_ver));
  }
  std::string ciphertext;
  // Debian's Abseil has its own string_view, not an alias of std::string_view.
  const absl::string_view base64(encrypt_random_key_base64.data(),
                                 encrypt_random_key_base64.size());
  if (!absl::Base64Unescape(base64, &ciphertext)) {
    return absl::DataLossError(absl::StrCat("encrypt_random_key for publickey_ver ", publickey_ver,
                                            " is not valid base64"));
  }
  // A context per call: EVP_PKEY_CTX is not safe to share between threads,
  // while the key itself is only read.
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter> ctx(EVP_PKEY_CTX_new(it->second.get(), nullptr));
  if (ctx == nullptr || EVP_PKEY_decrypt_init(ctx.get()) <= 0 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) <= 0) {
    return absl::InternalError(absl::StrCat("cannot set up RSA decryption for publickey_ver ",
                                            publickey_ver, ": ", TakeOpenSslReason()));
  }
  const auto* in = reinterpret_cast<const unsigned char*>(ciphertext.data());
  size_t out_len = 0;
  std::string random_key;
  if (EVP_PKEY_decrypt(ctx.get(), nullptr, &out_len, in, ciphertext.size()) > 0) {
    random_key.resize(out_len);
    if (EVP_PKEY_decrypt(ctx.get(), reinterpret_cast<unsigned char*>(random_key.data()), &out_len,
                         in, ciphertext.size()) > 0) {
      random_key.resize(out_len);
      return random_key;
    }
  }
  return absl::DataLossError(absl::StrCat("RSA PKCS#1 decryption of encrypt_random_key with ",
                                          "publickey_ver ", publickey_ver,
                                          " failed: ", TakeOpenSslReason()));
}

std::vector<uint32_t> KeyRing::versions() const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<uint32_t> versions;
  versions.reserve(keys_->size());
  for (const auto& [version, key] : *keys_) versions.push_back(version);
  return versions;
}

}  // namespace wecom::archive
