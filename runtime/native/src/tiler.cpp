#include "tiler.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <string>

#include "errors.h"

namespace bluev {
namespace {

struct Score {
  std::pair<int, int> grid;
  int64_t effective, wasted;
};

Score resolutions(int w, int h, std::pair<int, int> g, int tile) {
  const int64_t cw = int64_t(tile) * g.first, ch = int64_t(tile) * g.second;
  const double scale = std::min(double(cw) / w, double(ch) / h);
  const int64_t eff = std::min(int64_t(w * scale) * int64_t(h * scale), int64_t(w) * h);
  return {g, eff, cw * ch - eff};
}

std::pair<int, int> choose_llava_next(int w, int h, const TilerParams& p) {
  std::pair<int, int> best{1, 1};
  int64_t best_eff = -1, best_waste = std::numeric_limits<int64_t>::max();
  for (auto g : candidate_grids(p)) {
    Score s = resolutions(w, h, g, p.tile_size);
    if (s.effective > best_eff || (s.effective == best_eff && s.wasted < best_waste)) {
      best = g, best_eff = s.effective, best_waste = s.wasted;
    }
  }
  return best;
}

std::pair<int, int> choose_relaxed(int w, int h, const TilerParams& p) {
  std::vector<Score> scored;
  for (auto g : candidate_grids(p)) scored.push_back(resolutions(w, h, g, p.tile_size));
  int64_t top = 0;
  for (const Score& s : scored) top = std::max(top, s.effective);
  const Score* best = nullptr;
  for (const Score& s : scored) {
    bool good = s.effective == top || double(top - s.effective) < p.alpha * double(top);
    if (!good) continue;
    if (!best || s.wasted < best->wasted ||
        (s.wasted == best->wasted && s.grid.first * s.grid.second < best->grid.first * best->grid.second)) {
      best = &s;
    }
  }
  return best->grid;
}

std::pair<int, int> choose_internvl(int w, int h, const TilerParams& p) {
  const double aspect = double(w) / h;
  const double area = double(int64_t(w) * h);
  std::pair<int, int> best{1, 1};
  double best_diff = std::numeric_limits<double>::infinity();
  for (auto g : candidate_grids(p)) {
    double diff = std::abs(aspect - double(g.first) / g.second);
    if (diff < best_diff) {
      best = g, best_diff = diff;
    } else if (diff == best_diff && area > 0.5 * p.tile_size * p.tile_size * g.first * g.second) {
      best = g;
    }
  }
  return best;
}

}  // namespace

std::vector<std::pair<int, int>> candidate_grids(const TilerParams& p) {
  if (p.policy != "relaxed" && p.policy != "llava-next" && p.policy != "internvl") {
    throw BadInput("policy '" + p.policy + "': unknown, choose one of relaxed, llava-next, internvl");
  }
  if (p.tile_size <= 0 || p.tokens_per_tile <= 0) throw BadInput("tile_size and tokens_per_tile must be positive");
  if (!(p.alpha >= 0.0 && p.alpha < 1.0)) throw BadInput("alpha: must be in [0, 1)");
  if (!(1 <= p.min_tiles && p.min_tiles <= p.max_tiles)) throw BadInput("tile limits: need 1 <= min <= max");
  std::set<std::pair<int, int>> grids;
  if (p.has_grids) {
    if (p.grids.empty()) throw BadInput("grids: the candidate list is empty");
    for (auto g : p.grids) {
      if (g.first < 1 || g.second < 1) throw BadInput("grids: columns and rows must be >= 1");
      grids.insert(g);
    }
  } else {
    for (int m = 1; m <= p.max_tiles; ++m) {
      for (int n = 1; n <= p.max_tiles; ++n) {
        if (p.min_tiles <= m * n && m * n <= p.max_tiles) grids.insert({m, n});
      }
    }
  }
  std::vector<std::pair<int, int>> out(grids.begin(), grids.end());
  std::stable_sort(out.begin(), out.end(), [](auto a, auto b) {
    return std::make_pair(a.first * a.second, a.first) < std::make_pair(b.first * b.second, b.first);
  });
  return out;
}

std::pair<int, int> fit_size(int w, int h, int box_w, int box_h) {
  const double sw = double(box_w) / w, sh = double(box_h) / h;
  if (sw < sh) return {box_w, std::min(int(std::ceil(h * sw)), box_h)};
  return {std::min(int(std::ceil(w * sh)), box_w), box_h};
}

TilePlan plan_tiles(int width, int height, const TilerParams& p) {
  if (width <= 0 || height <= 0) {
    throw BadInput("image size " + std::to_string(width) + "x" + std::to_string(height) +
                   ": width and height must be positive");
  }
  std::pair<int, int> g = p.policy == "llava-next" ? choose_llava_next(width, height, p)
                          : p.policy == "internvl" ? choose_internvl(width, height, p)
                                                   : choose_relaxed(width, height, p);
  TilePlan plan;
  plan.image_w = width, plan.image_h = height;
  plan.grid_m = g.first, plan.grid_n = g.second;
  plan.tile_size = p.tile_size;
  plan.canvas_w = p.tile_size * g.first, plan.canvas_h = p.tile_size * g.second;
  // A 1x1 grid's only tile already is the whole image.
  plan.thumbnail = p.thumbnail && g.first * g.second > 1;
  plan.tokens_per_tile = p.tokens_per_tile;
  plan.stretch = p.policy == "internvl";
  if (plan.stretch) {
    plan.content_w = plan.canvas_w, plan.content_h = plan.canvas_h;
  } else {
    auto c = fit_size(width, height, plan.canvas_w, plan.canvas_h);
    plan.content_w = c.first, plan.content_h = c.second;
  }
  return plan;
}

}  // namespace bluev
