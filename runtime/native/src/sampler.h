// Next-token choice: greedy (argmax, the first on ties, as runtime/sampling.py) or
// temperature with top-k / top-p. Sampling uses std::mt19937_64 with --seed: reproducible
// run to run, but not the same draws as torch's generator in the Python runtime.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace bluev {

struct SamplerConfig {
  double temperature = 0.0;  // 0 = greedy
  int top_k = 0;             // 0 = off
  double top_p = 1.0;        // 1 = off
  uint64_t seed = 0;
  bool seeded = false;
};

class Sampler {
 public:
  explicit Sampler(const SamplerConfig& cfg);
  int64_t operator()(const std::vector<float>& logits);

 private:
  SamplerConfig cfg_;
  std::mt19937_64 rng_;
};

int64_t argmax(const std::vector<float>& logits);

}  // namespace bluev
