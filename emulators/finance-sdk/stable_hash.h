// Hashing that gives the same answer in every process and build, so the
// corpus and the fault decisions are reproducible from a seed.
#pragma once

#include <cstdint>

namespace wecom::emulator {

// SplitMix64's finalizer: a bijection on 64-bit values.
constexpr uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Mixes three values; for fixed `a` and `c` it is a bijection of `b`, so
// StableMix(seed, index, stream) never repeats across indexes.
constexpr uint64_t StableMix(uint64_t a, uint64_t b, uint64_t c = 0) {
  return SplitMix64(SplitMix64(SplitMix64(a) ^ b) ^ c);
}

// Maps a hash to [0, 1).
constexpr double UnitInterval(uint64_t hash) {
  return static_cast<double>(hash >> 11) * (1.0 / 9007199254740992.0);
}

// A stream of pseudo-random numbers from one hash (SplitMix64 sequence).
class StableRandom {
 public:
  explicit constexpr StableRandom(uint64_t state) : state_(state) {}
  uint64_t Next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    return SplitMix64(state_);
  }
  // Uniform in [0, n); n > 0.
  uint64_t Below(uint64_t n) { return Next() % n; }
  // Uniform in [lo, hi]; lo <= hi.
  int64_t Between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo) + 1));
  }
  double Unit() { return UnitInterval(Next()); }
  bool Chance(double probability) { return Unit() < probability; }
  template <typename Container>
  const auto& Pick(const Container& items) {
    return items[Below(items.size())];
  }

 private:
  uint64_t state_;
};

}  // namespace wecom::emulator
