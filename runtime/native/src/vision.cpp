#include "vision.h"

#include <algorithm>

#include "errors.h"

namespace bluev {

VisionEncoder::VisionEncoder(const Manifest& m)
    : info_(m.vision), encoder_path_(m.path(m.vision.encoder_file)), projector_path_(m.path(m.vision.projector_file)) {
  encoder_ = load_program(encoder_path_, {"forward"});
  projector_ = load_program(projector_path_, {"forward"});
}

std::vector<float> VisionEncoder::run_batch(const float* tiles, int count, int size) {
  const int batch = info_.fixed_batch ? info_.max_batch : count;
  const size_t per_tile = size_t(3) * size * size;
  std::vector<float> input(tiles, tiles + per_tile * count);
  input.resize(per_tile * batch, 0.0f);  // fixed-batch programs: zero tiles fill the rest
  auto pixels = executorch::extension::make_tensor_ptr({batch, 3, size, size}, input.data());
  auto features = run_method(*encoder_, encoder_path_, "forward", {EValue(pixels)});
  auto out = run_method(*projector_, projector_path_, "forward", {features[0]});
  std::vector<float> embeds = float_output(out, projector_path_);
  embeds.resize(embeds.size() / batch * count);  // drop the padding tiles' tokens
  return embeds;
}

std::vector<float> VisionEncoder::encode(const TileBatch& tiles) {
  std::vector<float> all;
  const size_t per_tile = size_t(3) * tiles.size * tiles.size;
  for (int i = 0; i < tiles.count; i += info_.max_batch) {
    int n = std::min(info_.max_batch, tiles.count - i);
    std::vector<float> part = run_batch(tiles.data.data() + per_tile * i, n, tiles.size);
    all.insert(all.end(), part.begin(), part.end());
  }
  return all;
}

}  // namespace bluev
