// One answer: image -> tiles -> vision -> prompt embeddings -> chunked prefill -> decode,
// the same steps and the same timing points as runtime/pipeline.py Pipeline.generate.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "llm.h"
#include "manifest.h"
#include "sampler.h"
#include "stats.h"
#include "tokenizer.h"
#include "vision.h"

namespace bluev {

struct Request {
  std::string prompt;
  std::string image;  // empty: text only
  int max_new_tokens = 128;
  int seq_len = 0;  // 0: the manifest's max_seq_len
  bool keep_logits = false;  // record every step's logits (the check tool compares layouts with them)
  SamplerConfig sampler;
};

struct Generation {
  std::string text;
  std::vector<int64_t> token_ids;
  std::vector<std::vector<float>> logits;  // with keep_logits: after the prefill, then each decode
  Stats stats;
};

// When the LLM is loaded (runtime/pipeline.py Pipeline's llm_after_image).
enum class LoadOrder {
  // Vision and LLM programs both loaded up front and kept: answers after the first pay no load.
  kPreload,
  // The paper's phone budget for one picture and its answer: the vision programs are loaded up
  // front and freed once the picture is encoded, and only then is the LLM loaded, so the two never
  // share memory; TTFT includes the LLM's load (llm_load_ms). Every run repeats that cycle. A
  // text-only set loads the LLM up front as kPreload does; bluev-runner asks for this order for a
  // request with a picture (`bluev run`'s), and a text-only answer then loads the LLM when it starts.
  kLlmAfterImage,
};

class Runner {
 public:
  explicit Runner(const Manifest& m, LoadOrder order = LoadOrder::kPreload);
  // Refuses (BadInput) what would fail later: no vision programs for an image, a prompt over
  // the context. Cheap: reads the image header only. Call it once, before the first generate
  // (which does not repeat it): with kLlmAfterImage nothing but the vision programs is loaded yet.
  void check(const Request& r) const;
  Generation generate(const Request& r, const std::function<void(const std::string&)>& on_text);
  const Tokenizer& tokenizer() const { return tokenizer_; }

 private:
  int context(const Request& r) const;
  void check_fits(int total, int image_tokens, const Request& r) const;
  int prompt_tokens(const Request& r, int image_tokens) const;
  void ready_for_answer();
  void load_llm_now(Stats& stats);
  std::vector<float> encode_image(const std::string& path, Stats& stats);
  std::vector<float> prompt_embeddings(const Request& r, const std::vector<float>& image, int image_tokens);

  Manifest manifest_;
  LlmLimits limits_;
  bool llm_after_image_;
  Tokenizer tokenizer_;
  std::unique_ptr<VisionEncoder> vision_;
  std::unique_ptr<LlmLayout> llm_;
  double load_rss_mb_ = 0;  // the loading phase's peak, reported with every answer
};

}  // namespace bluev
