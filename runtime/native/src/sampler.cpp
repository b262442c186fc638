#include "sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace bluev {

int64_t argmax(const std::vector<float>& logits) {
  return std::max_element(logits.begin(), logits.end()) - logits.begin();  // first maximum
}

Sampler::Sampler(const SamplerConfig& cfg) : cfg_(cfg), rng_(cfg.seeded ? cfg.seed : std::random_device{}()) {}

int64_t Sampler::operator()(const std::vector<float>& logits) {
  if (cfg_.temperature == 0.0) return argmax(logits);
  const size_t n = logits.size();
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return logits[a] > logits[b]; });
  size_t keep = n;
  if (cfg_.top_k > 0) {
    // Like the Python sampler: everything below the k-th largest logit goes (ties stay).
    const float kth = logits[order[std::min<size_t>(cfg_.top_k, n) - 1]];
    while (keep > 0 && logits[order[keep - 1]] < kth) --keep;
  }
  std::vector<double> probs(keep);
  const double top = logits[order[0]] / cfg_.temperature;
  double sum = 0.0;
  for (size_t i = 0; i < keep; ++i) sum += probs[i] = std::exp(logits[order[i]] / cfg_.temperature - top);
  for (double& p : probs) p /= sum;
  if (cfg_.top_p < 1.0) {  // the smallest prefix whose mass reaches top_p (always the first)
    double mass = 0.0;
    size_t cut = 0;
    while (cut < keep && mass < cfg_.top_p) mass += probs[cut++];
    probs.resize(cut);
    keep = cut;
  }
  std::discrete_distribution<size_t> pick(probs.begin(), probs.end());
  return order[pick(rng_)];
}

}  // namespace bluev
