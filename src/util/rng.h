// Seeded random numbers whose output is fixed by this file alone (no
// std::*_distribution, whose results differ between standard libraries), so
// the same seed gives the same run on every machine and compiler.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace seqtrain {

// SplitMix64: expands one 64-bit seed into well-mixed words.
inline uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// A stream seed derived from (seed, purpose, index), e.g. (run seed, "epoch", 3).
inline uint64_t DeriveSeed(uint64_t seed, uint64_t purpose, uint64_t index) {
  uint64_t s = seed;
  uint64_t a = SplitMix64(s) ^ (purpose * 0xD1B54A32D192ED03ull);
  s = a;
  uint64_t b = SplitMix64(s) ^ (index * 0x8CB92BA72F3D8DD7ull);
  s = b;
  return SplitMix64(s);
}

// xoshiro256** by Blackman and Vigna.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (auto& word : state_) word = SplitMix64(seed);
  }

  uint64_t Next() {
    const uint64_t result = Rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = Rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 53 random bits.
  double Uniform01() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform01(); }

  // Uniform integer in [0, n), unbiased (rejection on the low product bits).
  uint64_t Below(uint64_t n) {
    const uint64_t threshold = (0 - n) % n;
    for (;;) {
      const __uint128_t product = static_cast<__uint128_t>(Next()) * n;
      if (static_cast<uint64_t>(product) >= threshold) {
        return static_cast<uint64_t>(product >> 64);
      }
    }
  }

  const std::array<uint64_t, 4>& state() const { return state_; }
  void set_state(const std::array<uint64_t, 4>& state) { state_ = state; }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::array<uint64_t, 4> state_{};
};

// Fisher-Yates permutation of [0, n) drawn from seed.
inline std::vector<int64_t> RandomPermutation(int64_t n, uint64_t seed) {
  std::vector<int64_t> perm(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) perm[static_cast<size_t>(i)] = i;
  Rng rng(seed);
  for (int64_t i = n - 1; i > 0; --i) {
    const auto j = static_cast<int64_t>(rng.Below(static_cast<uint64_t>(i) + 1));
    std::swap(perm[static_cast<size_t>(i)], perm[static_cast<size_t>(j)]);
  }
  return perm;
}

}  // namespace seqtrain
