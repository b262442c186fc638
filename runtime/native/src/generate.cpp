#include "generate.h"

#include <algorithm>
#include <chrono>
#include <unordered_set>

#include "errors.h"
#include "et_util.h"

namespace bluev {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

}  // namespace

Runner::Runner(const Manifest& m, LoadOrder order)
    : manifest_(m),
      limits_(llm_limits(m)),
      llm_after_image_(order == LoadOrder::kLlmAfterImage && m.has_vision),
      tokenizer_(m.path(m.tokenizer_file)) {
  if (m.has_vision) vision_ = std::make_unique<VisionEncoder>(m);
  if (!llm_after_image_) llm_ = open_llm(m);
  load_rss_mb_ = phase_peak_rss_mb();
}

int Runner::context(const Request& r) const {
  return r.seq_len > 0 ? std::min(r.seq_len, limits_.context) : limits_.context;
}

// Back to the state the constructor left, so that every run of one request costs the same: with
// the LLM after the picture, the last answer's LLM is freed and the vision programs loaded again.
void Runner::ready_for_answer() {
  if (llm_after_image_ && llm_) {
    llm_.reset();
    release_freed_memory();
  }
  if (manifest_.has_vision && !vision_) vision_ = std::make_unique<VisionEncoder>(manifest_);
}

// With the LLM after the picture: load it now (its time and memory are phases of this answer).
void Runner::load_llm_now(Stats& stats) {
  if (llm_) return;
  auto started = Clock::now();
  llm_ = open_llm(manifest_);
  stats.llm_load_ms = ms_since(started);
  stats.phase_rss_mb.emplace_back("llm_load", phase_peak_rss_mb());
}

// A prompt of `total` tokens (`image_tokens` of them the picture's) must leave room to answer.
void Runner::check_fits(int total, int image_tokens, const Request& r) const {
  const std::string what = "prompt: " + std::to_string(total) + " tokens (" + std::to_string(image_tokens) +
                           " of them image)";
  if (total >= context(r)) throw BadInput(what + " is over the context of " + std::to_string(context(r)));
  if (total > limits_.prompt_capacity) {
    throw BadInput(what + " is over the static layout's prefill capacity of " +
                   std::to_string(limits_.prompt_capacity) + " (whole chunks of " + std::to_string(limits_.chunk) + ")");
  }
}

// The chat template around one user turn (runtime/text.py ChatTemplate.segments): with an
// image, the image goes between the prefix and the prompt.
int Runner::prompt_tokens(const Request& r, int image_tokens) const {
  const ChatTemplateInfo& c = manifest_.chat;
  if (r.image.empty()) return int(tokenizer_.encode(c.prefix + r.prompt + c.suffix).size());
  return int(tokenizer_.encode(c.prefix).size() + tokenizer_.encode(r.prompt + c.suffix).size()) + image_tokens;
}

void Runner::check(const Request& r) const {
  int image_tokens = 0;
  if (!r.image.empty()) {
    if (!manifest_.has_vision) throw BadInput(r.image + ": the " + manifest_.preset + " artifacts are text-only (no vision encoder)");
    ImageFile f = open_image_file(r.image);
    image_tokens = plan_tiles(f.upright_width(), f.upright_height(), manifest_.vision.tiler).image_tokens();
  }
  check_fits(prompt_tokens(r, image_tokens), image_tokens, r);
}

std::vector<float> Runner::encode_image(const std::string& path, Stats& stats) {
  auto started = Clock::now();
  TiledImage tiled = load_tiles(path, manifest_.vision);
  // Stage by stage, as the Python pipeline submits them: the thumbnail, then the grid.
  std::vector<float> embeds;
  for (const TileBatch& stage : tiled.stages) {
    std::vector<float> part = vision_->encode(stage);
    embeds.insert(embeds.end(), part.begin(), part.end());
  }
  if (llm_after_image_) {  // the ViT's memory is not held through prefill and decode
    vision_.reset();
    release_freed_memory();
  }
  stats.tiles = tiled.plan.images_to_encode();
  stats.has_image = true;
  stats.grid_m = tiled.plan.grid_m;
  stats.grid_n = tiled.plan.grid_n;
  stats.image_tokens = tiled.plan.image_tokens();
  stats.image_encode_ms = ms_since(started);
  return embeds;
}

std::vector<float> Runner::prompt_embeddings(const Request& r, const std::vector<float>& image, int image_tokens) {
  const ChatTemplateInfo& c = manifest_.chat;
  const bool with_image = !r.image.empty();
  std::vector<int64_t> before = tokenizer_.encode(with_image ? c.prefix : c.prefix + r.prompt + c.suffix);
  std::vector<int64_t> after = with_image ? tokenizer_.encode(r.prompt + c.suffix) : std::vector<int64_t>{};
  check_fits(int(before.size() + after.size()) + image_tokens, image_tokens, r);
  std::vector<float> embeds;
  if (!before.empty()) embeds = llm_->embed(before);
  embeds.insert(embeds.end(), image.begin(), image.end());
  if (!after.empty()) {
    std::vector<float> a = llm_->embed(after);
    embeds.insert(embeds.end(), a.begin(), a.end());
  }
  return embeds;
}

Generation Runner::generate(const Request& r, const std::function<void(const std::string&)>& on_text) {
  ready_for_answer();
  Generation g;
  Stats& stats = g.stats;
  stats.phase_rss_mb = {{"load", load_rss_mb_}};
  phase_peak_rss_mb();  // the time since loading (or the last answer) is no phase of this one
  const auto t0 = Clock::now();
  std::vector<float> image;
  if (!r.image.empty()) {
    image = encode_image(r.image, stats);
    stats.phase_rss_mb.emplace_back("image_encode", phase_peak_rss_mb());
  }
  load_llm_now(stats);
  const int dim = manifest_.llm.dim;
  const int image_tokens = int(image.size() / dim);
  std::vector<float> embeds = prompt_embeddings(r, image, image_tokens);
  const int n_prompt = int(embeds.size() / dim);
  const int budget = std::min(r.max_new_tokens, context(r) - n_prompt);
  Sampler choose(r.sampler);

  llm_->reset();
  auto started = Clock::now();
  std::vector<float> logits;
  const int chunk = limits_.chunk;
  for (int start = 0; start < n_prompt; start += chunk) {
    logits = llm_->step(embeds.data() + size_t(start) * dim, std::min(chunk, n_prompt - start), start);
  }
  stats.prefill_ms = ms_since(started);
  stats.prefill_tokens = n_prompt;
  stats.phase_rss_mb.emplace_back("prefill", phase_peak_rss_mb());
  StreamDecoder stream(tokenizer_);
  int64_t token = choose(logits);
  if (r.keep_logits) g.logits.push_back(logits);
  stats.ttft_ms = ms_since(t0);
  stats.stop_reason = budget == r.max_new_tokens ? "max_new_tokens" : "context_full";
  const std::unordered_set<int64_t> eos(manifest_.eos_ids.begin(), manifest_.eos_ids.end());
  started = Clock::now();
  int pos = n_prompt;
  for (int step = 0; step < budget; ++step) {
    if (eos.count(token)) {
      stats.stop_reason = "eos";
      break;
    }
    std::string piece = stream.push(token);
    if (!piece.empty() && on_text) on_text(piece);
    if (step == budget - 1) break;
    logits = llm_->decode(token, pos);
    if (r.keep_logits) g.logits.push_back(logits);
    stats.decode_tokens += 1;
    pos += 1;
    token = choose(logits);
  }
  stats.decode_ms = ms_since(started);
  stats.phase_rss_mb.emplace_back("decode", phase_peak_rss_mb());
  stats.peak_rss_mb = peak_rss_mb();
  stats.generated_tokens = int(stream.ids().size());
  g.text = stream.text();
  g.token_ids = stream.ids();
  return g;
}

}  // namespace bluev
