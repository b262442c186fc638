// Image file -> normalised tiles for the vision encoder, as runtime/image.py load_tiles /
// tile_stages: the thumbnail first (when the plan has one), then the grid row-major.
#pragma once

#include <string>
#include <vector>

#include "image.h"
#include "manifest.h"
#include "tiler.h"

namespace bluev {

// A batch of tiles, float32 NCHW [count, 3, size, size].
struct TileBatch {
  int count = 0;
  int size = 0;
  std::vector<float> data;
};

struct TiledImage {
  TilePlan plan;
  std::vector<TileBatch> stages;  // the thumbnail (if any), then the grid
};

// Opens, decodes (JPEG at Pillow's draft scale), turns upright and tiles one image file.
TiledImage load_tiles(const std::string& path, const VisionInfo& vision);

// SigLIP normalisation of RGB tiles: (x * (1/255) - mean) / std in float32, as numpy.
TileBatch normalise(const std::vector<RgbImage>& tiles, const float mean[3], const float std[3]);

}  // namespace bluev
