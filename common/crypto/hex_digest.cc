#include "common/crypto/hex_digest.h"

#include <openssl/evp.h>

#include "absl/strings/escaping.h"

namespace wecom {

HexDigester::HexDigester(const EVP_MD* md) : context_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex(context_.get(), md, nullptr);
}

void HexDigester::Free::operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }

HexDigester HexDigester::Md5() { return HexDigester(EVP_md5()); }
HexDigester HexDigester::Sha256() { return HexDigester(EVP_sha256()); }

void HexDigester::Update(absl::string_view bytes) {
  EVP_DigestUpdate(context_.get(), bytes.data(), bytes.size());
}

std::string HexDigester::Finish() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_DigestFinal_ex(context_.get(), digest, &size);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), size));
}

std::string Md5Hex(absl::string_view bytes) {
  HexDigester digester = HexDigester::Md5();
  digester.Update(bytes);
  return digester.Finish();
}

std::string Sha256Hex(absl::string_view bytes) {
  HexDigester digester = HexDigester::Sha256();
  digester.Update(bytes);
  return digester.Finish();
}

}  // namespace wecom
