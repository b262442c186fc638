// The LLM step behind one small interface, so that a second program layout (the NPU's static
// prefill/decode with caches as inputs, export/npu.py) slots in beside the XNNPACK one.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "manifest.h"

namespace bluev {

class LlmLayout {
 public:
  virtual ~LlmLayout() = default;
  // Token ids -> embeddings [ids.size() * dim].
  virtual std::vector<float> embed(const std::vector<int64_t>& ids) = 0;
  // Embeddings [count * dim] at positions start_pos.. (one call: at most chunk_size of them);
  // the logits of the last position [vocab].
  virtual std::vector<float> step(const float* embeds, int count, int start_pos) = 0;
  // One decoded token at `pos`; its logits.
  virtual std::vector<float> decode(int64_t token, int pos) = 0;
};

// The layout the manifest names; BadInput for one this build cannot run.
std::unique_ptr<LlmLayout> open_llm(const Manifest& m);

}  // namespace bluev
