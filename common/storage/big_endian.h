// Fixed-width big-endian numbers in RocksDB keys, so that byte order is
// numeric order.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace wecom {

inline void AppendBigEndian(std::string* out, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(value >> shift));
}

// Reads 8 big-endian bytes; `in` must hold at least 8.
inline uint64_t ReadBigEndian(std::string_view in) {
  uint64_t value = 0;
  for (size_t i = 0; i < 8; ++i) value = (value << 8) | static_cast<uint8_t>(in[i]);
  return value;
}

}  // namespace wecom
