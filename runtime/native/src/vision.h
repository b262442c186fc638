// The vision encoder and projector programs: normalised tiles -> LLM embeddings.
#pragma once

#include <memory>
#include <vector>

#include "et_util.h"
#include "manifest.h"
#include "tiles.h"

namespace bluev {

class VisionEncoder {
 public:
  explicit VisionEncoder(const Manifest& m);
  // Tiles -> projector outputs [count * tokens per tile * dim], in batches of at most max_batch
  // (exactly max_batch, zero-padded, when the manifest says fixed_batch).
  std::vector<float> encode(const TileBatch& tiles);

 private:
  std::vector<float> run_batch(const float* tiles, int count, int size);

  VisionInfo info_;
  std::string encoder_path_, projector_path_;
  std::unique_ptr<Module> encoder_, projector_;
};

}  // namespace bluev
