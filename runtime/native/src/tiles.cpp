#include "tiles.h"

#include <algorithm>
#include <cstring>

#include "resample.h"

namespace bluev {
namespace {

// `img` pasted at (x0, y0) on a black canvas (runtime/image.py PAD_RGB).
RgbImage paste_on_black(const RgbImage& img, int canvas_w, int canvas_h) {
  RgbImage canvas(canvas_w, canvas_h, 0);
  const int x0 = (canvas_w - img.width) / 2, y0 = (canvas_h - img.height) / 2;
  for (int y = 0; y < img.height; ++y) {
    std::memcpy(canvas.row(y0 + y) + size_t(x0) * 3, img.row(y), size_t(img.width) * 3);
  }
  return canvas;
}

RgbImage crop(const RgbImage& img, int x0, int y0, int w, int h) {
  RgbImage out(w, h);
  for (int y = 0; y < h; ++y) std::memcpy(out.row(y), img.row(y0 + y) + size_t(x0) * 3, size_t(w) * 3);
  return out;
}

RgbImage thumbnail_of(const RgbImage& img, const TilePlan& plan) {
  const int t = plan.tile_size;
  if (plan.stretch) return resize_bicubic(img, t, t);
  auto [w, h] = fit_size(plan.image_w, plan.image_h, t, t);  // the full size's aspect
  return paste_on_black(resize_bicubic(img, w, h), t, t);
}

std::vector<RgbImage> grid_tiles(const RgbImage& img, const TilePlan& plan) {
  RgbImage canvas = plan.stretch ? resize_bicubic(img, plan.canvas_w, plan.canvas_h)
                                 : paste_on_black(resize_bicubic(img, plan.content_w, plan.content_h),
                                                  plan.canvas_w, plan.canvas_h);
  std::vector<RgbImage> tiles;
  const int t = plan.tile_size;
  for (int r = 0; r < plan.grid_n; ++r) {
    for (int c = 0; c < plan.grid_m; ++c) tiles.push_back(crop(canvas, c * t, r * t, t, t));
  }
  return tiles;
}

}  // namespace

TileBatch normalise(const std::vector<RgbImage>& tiles, const float mean[3], const float std[3]) {
  TileBatch b;
  b.count = int(tiles.size());
  b.size = tiles.empty() ? 0 : tiles[0].width;
  const size_t plane = size_t(b.size) * b.size;
  b.data.resize(plane * 3 * tiles.size());
  const float inv = static_cast<float>(1.0 / 255.0);  // np.float32(1.0 / 255.0)
  for (size_t i = 0; i < tiles.size(); ++i) {
    const uint8_t* px = tiles[i].pixels.data();
    float* out = b.data.data() + i * 3 * plane;
    for (size_t p = 0; p < plane; ++p) {
      for (int c = 0; c < 3; ++c) out[c * plane + p] = (float(px[3 * p + c]) * inv - mean[c]) / std[c];
    }
  }
  return b;
}

TiledImage load_tiles(const std::string& path, const VisionInfo& vision) {
  ImageFile file = open_image_file(path);
  TiledImage out;
  out.plan = plan_tiles(file.upright_width(), file.upright_height(), vision.tiler);
  const TilePlan& plan = out.plan;
  // Decode no larger than the canvas and one tile need (runtime/image.py open_for_tiling).
  int need_w = std::max(plan.canvas_w, plan.tile_size), need_h = std::max(plan.canvas_h, plan.tile_size);
  if (file.rotated()) std::swap(need_w, need_h);
  RgbImage img = apply_orientation(decode_rgb(file, need_w, need_h), file.orientation);
  if (plan.thumbnail) out.stages.push_back(normalise({thumbnail_of(img, plan)}, vision.mean, vision.std));
  out.stages.push_back(normalise(grid_tiles(img, plan), vision.mean, vision.std));
  return out;
}

}  // namespace bluev
