#include "llm.h"

#include <algorithm>

#include "errors.h"
#include "et_util.h"

namespace bluev {
namespace {

// The dynamic layout, export/llm.py: `token_embedding` [1, n] int64 -> [1, n, dim]; `prefill` (embeddings
// [1, n, dim], start_pos [1] int64) -> logits, with the KV cache a mutable buffer inside the
// program. Decode is the same method with one embedding: one loaded method, one cache.
class DynamicLayout : public LlmLayout {
 public:
  explicit DynamicLayout(const Manifest& m) : info_(m.llm), path_(m.path(m.llm.file)) {
    std::vector<std::string> methods{info_.embed_method, info_.prefill_method};
    if (info_.decode_method != info_.prefill_method) methods.push_back(info_.decode_method);
    program_ = load_program(path_, methods, info_.data_file.empty() ? "" : m.path(info_.data_file));
  }

  std::vector<float> embed(const std::vector<int64_t>& ids) override {
    std::vector<int64_t> copy(ids);
    auto t = executorch::extension::make_tensor_ptr({1, int(ids.size())}, copy.data(),
                                                    executorch::aten::ScalarType::Long);
    return float_output(run_method(*program_, path_, info_.embed_method, {EValue(t)}), path_);
  }

  std::vector<float> step(const float* embeds, int count, int start_pos) override {
    return run(info_.prefill_method, embeds, count, start_pos);
  }

  std::vector<float> decode(int64_t token, int pos) override {
    std::vector<float> e = embed({token});
    return run(info_.decode_method, e.data(), 1, pos);
  }

 private:
  std::vector<float> run(const std::string& method, const float* embeds, int count, int start_pos) {
    std::vector<float> input(embeds, embeds + size_t(count) * info_.dim);
    int64_t pos = start_pos;
    auto x = executorch::extension::make_tensor_ptr({1, count, info_.dim}, input.data());
    auto p = executorch::extension::make_tensor_ptr({1}, &pos, executorch::aten::ScalarType::Long);
    std::vector<float> logits = float_output(run_method(*program_, path_, method, {EValue(x), EValue(p)}), path_);
    if (logits.size() > size_t(info_.vocab_size)) {  // [1, n, vocab]: keep the last position
      logits.erase(logits.begin(), logits.end() - info_.vocab_size);
    }
    return logits;
  }

  LlmInfo info_;
  std::string path_;
  std::unique_ptr<Module> program_;
};

}  // namespace

LlmLimits llm_limits(const Manifest& m) {
  if (m.llm.is_static()) {
    const StaticInfo& s = m.static_layout;
    // Every prefill call takes a whole chunk of cache slots, padding included.
    return {s.cache_len, std::min(s.cache_len / s.chunk * s.chunk, s.cache_len - 1), s.chunk};
  }
  return {m.llm.max_seq_len, m.llm.max_seq_len - 1, m.llm.chunk_size};
}

std::unique_ptr<LlmLayout> open_llm(const Manifest& m) {
  if (m.llm.is_static()) return open_static_llm(m);
  return std::make_unique<DynamicLayout>(m);
}

}  // namespace bluev
