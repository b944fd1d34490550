// Lowercase hex MD5 and SHA-256, the forms the vendors' md5sum fields and
// the media service's content addresses use.
#pragma once

#include <memory>
#include <string>

#include "absl/strings/string_view.h"

typedef struct evp_md_st EVP_MD;
typedef struct evp_md_ctx_st EVP_MD_CTX;

namespace wecom {

std::string Md5Hex(absl::string_view bytes);
std::string Sha256Hex(absl::string_view bytes);

// The same over bytes that arrive in parts (a file read in blocks).
class HexDigester {
 public:
  static HexDigester Md5();
  static HexDigester Sha256();

  void Update(absl::string_view bytes);
  // The digest of everything given to Update; call once.
  std::string Finish();

 private:
  explicit HexDigester(const EVP_MD* md);
  struct Free {
    void operator()(EVP_MD_CTX* context) const;
  };
  std::unique_ptr<EVP_MD_CTX, Free> context_;
};

}  // namespace wecom
