// Timings of one answer, with the keys of `bluev run --json` stats (runtime/pipeline.py Stats).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace bluev {

struct Stats {
  int tiles = 0;
  double image_encode_ms = 0;
  int prefill_tokens = 0;
  double prefill_ms = 0;
  int decode_tokens = 0;
  double decode_ms = 0;
  double ttft_ms = 0;
  // the LLM's load inside TTFT (LoadOrder::kLlmAfterImage), ms; < 0: loaded before the answer
  double llm_load_ms = -1;
  double peak_rss_mb = 0;
  // the peak of each phase (load, image_encode, llm_load, prefill, decode), MB: et_util.h phase_peak_rss_mb
  std::vector<std::pair<std::string, double>> phase_rss_mb;
  std::string stop_reason;
  int generated_tokens = 0;
  // with an image only, as the Python pipeline adds them: the grid (columns, rows) and its tokens
  bool has_image = false;
  int grid_m = 0, grid_n = 0, image_tokens = 0;

  nlohmann::json to_json() const;
};

// Several measured runs: every key from the last run, the timing keys as the median over runs,
// and "runs" with each run's own object.
nlohmann::json summarise(const std::vector<Stats>& runs);

}  // namespace bluev
