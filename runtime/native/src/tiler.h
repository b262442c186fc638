// Grid choice for dynamic-resolution tiling: a port of runtime/tiler.py (its docstring has
// the three policies; tests/data/TILING_VECTORS.md the rules every port follows).
#pragma once

#include <utility>
#include <vector>

#include "manifest.h"

namespace bluev {

struct TilePlan {
  int image_w = 0, image_h = 0;  // source size after EXIF rotation
  int grid_m = 1, grid_n = 1;    // columns, rows
  int canvas_w = 0, canvas_h = 0;
  int tile_size = 0;
  bool thumbnail = false;
  int tokens_per_tile = 0;
  bool stretch = false;  // InternVL: stretch onto the canvas; otherwise keep aspect and pad
  int content_w = 0, content_h = 0;

  int tiles() const { return grid_m * grid_n; }
  int images_to_encode() const { return tiles() + (thumbnail ? 1 : 0); }
  int image_tokens() const { return images_to_encode() * tokens_per_tile; }
};

// Candidate grids in the canonical order (m*n, then m); BadInput for bad parameters.
std::vector<std::pair<int, int>> candidate_grids(const TilerParams& p);
std::pair<int, int> fit_size(int w, int h, int box_w, int box_h);
TilePlan plan_tiles(int width, int height, const TilerParams& p);

}  // namespace bluev
