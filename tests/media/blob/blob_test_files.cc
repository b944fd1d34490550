#include "tests/media/blob/blob_test_files.h"

#include <sys/stat.h>

#include <fstream>
#include <memory>
#include <random>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace wecom::media::testing {

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
  HexDigester digester = HexDigester::Sha256();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  for (uint64_t i = 0; i < blocks; ++i) {
    const std::string block = RandomBytes(block_size, seed + static_cast<uint32_t>(i));
    digester.Update(block);
    out.write(block.data(), static_cast<std::streamsize>(block.size()));
  }
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  return StagedBlob{
      .path = std::move(path), .sha256 = digester.Finish(), .size = blocks * block_size};
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
