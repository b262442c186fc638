// The LLM step behind one small interface, with one implementation per program layout
// (manifest llm.layout): the dynamic one (llm.cpp) and the NPU's static one (static_llm.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "manifest.h"

namespace bluev {

class LlmLayout {
 public:
  virtual ~LlmLayout() = default;
  // A new conversation: nothing of the last one may be attended to.
  virtual void reset() {}
  // Token ids -> embeddings [ids.size() * dim].
  virtual std::vector<float> embed(const std::vector<int64_t>& ids) = 0;
  // Embeddings [count * dim] at positions start_pos.. (count <= chunk); the logits of the last
  // position [vocab]. Calls follow each other in position order within a conversation.
  virtual std::vector<float> step(const float* embeds, int count, int start_pos) = 0;
  // One decoded token at `pos`; its logits.
  virtual std::vector<float> decode(int64_t token, int pos) = 0;
};

// What one conversation may hold, from the manifest alone: the runner refuses a prompt before
// any program is loaded (with the LLM loaded after the picture, before the picture is encoded).
struct LlmLimits {
  int context = 0;          // tokens, prompt and answer
  int prompt_capacity = 0;  // prompt tokens to start with (the static layout prefills whole chunks)
  int chunk = 0;            // embeddings per prefill call at most
};
LlmLimits llm_limits(const Manifest& m);

// The layout the manifest names; BadInput for one this build cannot run.
std::unique_ptr<LlmLayout> open_llm(const Manifest& m);

// The static layout (static_llm.cpp).
std::unique_ptr<LlmLayout> open_static_llm(const Manifest& m);

}  // namespace bluev
