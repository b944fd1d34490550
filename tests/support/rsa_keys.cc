#include "tests/support/rsa_keys.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"

namespace wecom::testing {
namespace {

enum class PemFormat { kPkcs8, kPkcs1, kPublic };

absl::StatusOr<std::string> ToPem(EVP_PKEY* key, PemFormat format) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (bio == nullptr) return absl::InternalError("BIO_new failed");
  int written = 0;
  switch (format) {
    case PemFormat::kPkcs8:
      written = PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
      break;
    case PemFormat::kPkcs1:
      written = PEM_write_bio_PrivateKey_traditional(bio.get(), key, nullptr, nullptr, 0, nullptr,
                                                     nullptr);
      break;
    case PemFormat::kPublic:
      written = PEM_write_bio_PUBKEY(bio.get(), key);
      break;
  }
  if (written != 1) {
    return absl::InternalError(absl::StrCat("cannot write PEM format ", static_cast<int>(format)));
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

}  // namespace

absl::StatusOr<RsaKeyPem> MakeRsaKeyPair(int bits) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_RSA_gen(bits), &EVP_PKEY_free);
  if (key == nullptr) return absl::InternalError(absl::StrCat("EVP_RSA_gen(", bits, ") failed"));
  RsaKeyPem pem;
  ASSIGN_OR_RETURN(pem.private_pkcs8, ToPem(key.get(), PemFormat::kPkcs8));
  ASSIGN_OR_RETURN(pem.private_pkcs1, ToPem(key.get(), PemFormat::kPkcs1));
  ASSIGN_OR_RETURN(pem.public_spki, ToPem(key.get(), PemFormat::kPublic));
  return pem;
}

}  // namespace wecom::testing
