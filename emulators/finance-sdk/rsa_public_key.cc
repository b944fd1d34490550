#include "emulators/finance-sdk/rsa_public_key.h"

#include <openssl/decoder.h>
#include <openssl/rsa.h>

#include <cstdio>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace wecom::emulator {

absl::StatusOr<RsaPublicKey> RsaPublicKey::ReadPem(const std::string& path) {
  std::unique_ptr<FILE, decltype(&fclose)> file(fopen(path.c_str(), "rb"), fclose);
  if (file == nullptr) return absl::NotFoundError(absl::StrCat("cannot open public key ", path));
  EVP_PKEY* raw_key = nullptr;
  // Structure left open, so both SubjectPublicKeyInfo and PKCS#1 PEMs decode.
  std::unique_ptr<OSSL_DECODER_CTX, decltype(&OSSL_DECODER_CTX_free)> decoder(
      OSSL_DECODER_CTX_new_for_pkey(&raw_key, "PEM", nullptr, "RSA", EVP_PKEY_PUBLIC_KEY, nullptr,
                                    nullptr),
      OSSL_DECODER_CTX_free);
  if (decoder == nullptr || OSSL_DECODER_from_fp(decoder.get(), file.get()) != 1 ||
      raw_key == nullptr) {
    EVP_PKEY_free(raw_key);
    return absl::InvalidArgumentError(absl::StrCat(path, " holds no PEM RSA public key"));
  }
  std::shared_ptr<EVP_PKEY> key(raw_key, EVP_PKEY_free);
  if (EVP_PKEY_get_bits(key.get()) != 2048) {
    return absl::InvalidArgumentError(absl::StrCat(path, " is a ", EVP_PKEY_get_bits(key.get()),
                                                   "-bit key; the vendor requires RSA-2048"));
  }
  return RsaPublicKey(std::move(key));
}

absl::StatusOr<std::string> RsaPublicKey::EncryptPkcs1(absl::string_view data) const {
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_from_pkey(nullptr, key_.get(), nullptr), EVP_PKEY_CTX_free);
  size_t size = 0;
  const auto* in = reinterpret_cast<const unsigned char*>(data.data());
  if (ctx == nullptr || EVP_PKEY_encrypt_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1 ||
      EVP_PKEY_encrypt(ctx.get(), nullptr, &size, in, data.size()) != 1) {
    return absl::InternalError("RSA PKCS#1 encryption setup failed");
  }
  std::string out(size, '\0');
  if (EVP_PKEY_encrypt(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &size, in,
                       data.size()) != 1) {
    return absl::InternalError("RSA PKCS#1 encryption failed");
  }
  out.resize(size);
  return out;
}

}  // namespace wecom::emulator
