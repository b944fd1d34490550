#include "tests/media/blob/blob_test_files.h"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <sys/stat.h>

#include <fstream>
#include <memory>
#include <random>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace wecom::media::testing {
namespace {

using DigestContext = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

std::string HexDigest(EVP_MD_CTX* context) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  EVP_DigestFinal_ex(context, digest, nullptr);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

}  // namespace

std::string Sha256Hex(absl::string_view bytes) {
  DigestContext context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr);
  EVP_DigestUpdate(context.get(), bytes.data(), bytes.size());
  return HexDigest(context.get());
}

std::string RandomBytes(size_t size, uint32_t seed) {
  std::mt19937_64 random(seed);
  std::string bytes(size, '\0');
  for (size_t i = 0; i < size; i += 8) {
    const uint64_t word = random();
    for (size_t j = 0; j < 8 && i + j < size; ++j)
      bytes[i + j] = static_cast<char>(word >> (8 * j));
  }
  return bytes;
}

absl::StatusOr<StagedBlob> WriteStagedBlob(std::string path, absl::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  return StagedBlob{.path = std::move(path), .sha256 = Sha256Hex(bytes), .size = bytes.size()};
}

absl::StatusOr<StagedBlob> WriteLargeStagedBlob(std::string path, uint64_t blocks,
                                                size_t block_size, uint32_t seed) {
  DigestContext context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  for (uint64_t i = 0; i < blocks; ++i) {
    const std::string block = RandomBytes(block_size, seed + static_cast<uint32_t>(i));
    EVP_DigestUpdate(context.get(), block.data(), block.size());
    out.write(block.data(), static_cast<std::streamsize>(block.size()));
  }
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  return StagedBlob{
      .path = std::move(path), .sha256 = HexDigest(context.get()), .size = blocks * block_size};
}

bool FileExists(const std::string& path) {
  struct stat info;
  return ::stat(path.c_str(), &info) == 0;
}

S3BlobStoreOptions S3OptionsFor(const wecom::testing::S3Server& server) {
  S3BlobStoreOptions options;
  options.endpoint = server.endpoint();
  options.bucket = server.bucket();
  options.key_prefix = "media/";
  options.access_key_id = wecom::testing::S3Server::kAccessKeyId;
  options.secret_access_key = Secret(wecom::testing::S3Server::kSecretAccessKey);
  return options;
}

}  // namespace wecom::media::testing
