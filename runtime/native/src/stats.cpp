#include "stats.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace bluev {
namespace {

double round_to(double x, int digits) {
  const double f = std::pow(10.0, digits);
  return std::round(x * f) / f;
}

double rate(int n, double ms) { return ms > 0 ? round_to(n / (ms / 1000.0), 2) : 0.0; }

}  // namespace

nlohmann::json Stats::to_json() const {
  nlohmann::json out = {
      {"tiles", tiles},
      {"image_encode_ms", round_to(image_encode_ms, 2)},
      {"prefill_tokens", prefill_tokens},
      {"prefill_tok_s", rate(prefill_tokens, prefill_ms)},
      {"decode_tokens", decode_tokens},
      {"decode_tok_s", rate(decode_tokens, decode_ms)},
      {"ttft_ms", round_to(ttft_ms, 2)},
      {"peak_rss_mb", round_to(peak_rss_mb, 1)},
      {"stop_reason", stop_reason},
      {"generated_tokens", generated_tokens},
  };
  if (llm_load_ms >= 0) out["llm_load_ms"] = round_to(llm_load_ms, 2);
  nlohmann::json phases = nlohmann::json::object();
  for (const auto& [phase, mb] : phase_rss_mb) phases[phase] = round_to(mb, 1);
  out["peak_rss_mb_by_phase"] = phases;
  if (has_image) {
    out["grid"] = {grid_m, grid_n};
    out["image_tokens"] = image_tokens;
  }
  return out;
}

nlohmann::json summarise(const std::vector<Stats>& runs) {
  nlohmann::json out = runs.back().to_json();
  if (runs.size() < 2) return out;
  nlohmann::json each = nlohmann::json::array();
  for (const Stats& s : runs) each.push_back(s.to_json());
  for (const char* key : {"image_encode_ms", "llm_load_ms", "prefill_tok_s", "decode_tok_s", "ttft_ms"}) {
    std::vector<double> v;
    for (const auto& r : each) {
      if (r.contains(key)) v.push_back(r[key].get<double>());
    }
    if (v.size() != each.size()) continue;  // llm_load_ms: only where every run loaded the LLM
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    out[key] = round_to(n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2, 2);
  }
  out["runs"] = each;
  return out;
}

}  // namespace bluev
