package org.bluev.core;

import java.util.ArrayList;
import java.util.List;

/**
 * The grid choice of runtime/tiler.py, ported so the phone cuts images exactly as the host does
 * (checked against tests/data/tiling_vectors.json). Python floats are IEEE doubles and Python
 * ints are exact, so scales and ratios here are doubles and pixel products are longs; Python's
 * {@code int()} of a positive double truncates like a Java cast and {@code math.ceil} is
 * {@link Math#ceil}.
 */
public final class Tiler {
  private Tiler() {}

  /** Choose the grid for a {@code width} x {@code height} image and lay out its tiles. */
  public static TilePlan plan(int width, int height, TilerConfig cfg) {
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException(
          "image size " + width + "x" + height + ": width and height must be positive");
    }
    int[] grid;
    switch (cfg.policy) {
      case "relaxed":
        grid = chooseRelaxed(width, height, cfg);
        break;
      case "llava-next":
        grid = chooseLlavaNext(width, height, cfg);
        break;
      default:
        grid = chooseInternvl(width, height, cfg);
    }
    int m = grid[0];
    int n = grid[1];
    int t = cfg.tileSize;
    String resize;
    int[] content;
    if (cfg.policy.equals("internvl")) {
      resize = "stretch";
      content = new int[] {t * m, t * n};
    } else {
      resize = "fit-pad";
      content = fitSize(width, height, t * m, t * n);
    }
    // A 1x1 grid's only tile already is the whole image: a thumbnail would encode it twice.
    boolean thumbnail = cfg.thumbnail && m * n > 1;
    return new TilePlan(
        cfg.policy, width, height, m, n, t, thumbnail, cfg.tokensPerTile, resize, content[0],
        content[1]);
  }

  /** {effective R_e, wasted R_w} of an image on a grid, as LLaVA-NeXT computes them. */
  static long[] resolutions(int width, int height, int[] grid, int tile) {
    long canvasW = (long) tile * grid[0];
    long canvasH = (long) tile * grid[1];
    double scale = Math.min((double) canvasW / width, (double) canvasH / height);
    long effective =
        Math.min((long) (width * scale) * (long) (height * scale), (long) width * height);
    return new long[] {effective, canvasW * canvasH - effective};
  }

  static int[] chooseLlavaNext(int width, int height, TilerConfig cfg) {
    return bestLlavaNext(width, height, cfg.candidateGrids(), cfg.tileSize);
  }

  /**
   * LLaVA-NeXT's rule over {@code grids} {columns, rows} scanned in the order given (a
   * checkpoint's pinpoints keep theirs): runtime/tiler.py {@code best_llava_next}.
   */
  public static int[] bestLlavaNext(int width, int height, List<int[]> grids, int tile) {
    int[] best = null;
    long bestEff = -1;
    long bestWaste = Long.MAX_VALUE; // stands in for Python's math.inf: any real R_w is smaller
    for (int[] grid : grids) {
      long[] r = resolutions(width, height, grid, tile);
      if (r[0] > bestEff || (r[0] == bestEff && r[1] < bestWaste)) {
        best = grid;
        bestEff = r[0];
        bestWaste = r[1];
      }
    }
    return best;
  }

  static int[] chooseRelaxed(int width, int height, TilerConfig cfg) {
    return bestRelaxed(width, height, cfg.candidateGrids(), cfg.tileSize, cfg.alpha);
  }

  /** Relaxed matching over {@code grids}; the last tie-break is the order given (best_relaxed). */
  public static int[] bestRelaxed(int width, int height, List<int[]> grids, int tile, double alpha) {
    List<long[]> scored = new ArrayList<>();
    long bestEff = Long.MIN_VALUE;
    for (int[] grid : grids) {
      long[] r = resolutions(width, height, grid, tile);
      scored.add(r);
      bestEff = Math.max(bestEff, r[0]);
    }
    // Grids within alpha of the best effective resolution are "equally good"; among them the
    // smallest waste, then the fewest tiles, then the enumeration order (strict '<' keeps the
    // first, as Python's min() does). The comparison is in doubles, as Python compares
    // int - int < float * int.
    int[] chosen = null;
    long chosenWaste = 0;
    int chosenTiles = 0;
    for (int i = 0; i < grids.size(); i++) {
      long eff = scored.get(i)[0];
      long waste = scored.get(i)[1];
      boolean good = eff == bestEff || (double) (bestEff - eff) < alpha * (double) bestEff;
      if (!good) {
        continue;
      }
      int tiles = grids.get(i)[0] * grids.get(i)[1];
      if (chosen == null || waste < chosenWaste || (waste == chosenWaste && tiles < chosenTiles)) {
        chosen = grids.get(i);
        chosenWaste = waste;
        chosenTiles = tiles;
      }
    }
    return chosen;
  }

  static int[] chooseInternvl(int width, int height, TilerConfig cfg) {
    double aspect = (double) width / height;
    long area = (long) width * height;
    int[] best = {1, 1};
    double bestDiff = Double.POSITIVE_INFINITY;
    for (int[] grid : cfg.candidateGrids()) {
      double diff = Math.abs(aspect - (double) grid[0] / grid[1]);
      if (diff < bestDiff) {
        best = grid;
        bestDiff = diff;
      } else if (diff == bestDiff
          && area > 0.5 * cfg.tileSize * cfg.tileSize * grid[0] * grid[1]) {
        best = grid;
      }
    }
    return best;
  }

  /** Largest size with the image's aspect ratio inside a box (LLaVA-NeXT's rounding). */
  public static int[] fitSize(int width, int height, int boxW, int boxH) {
    double scaleW = (double) boxW / width;
    double scaleH = (double) boxH / height;
    if (scaleW < scaleH) {
      return new int[] {boxW, (int) Math.min((long) Math.ceil(height * scaleW), boxH)};
    }
    return new int[] {(int) Math.min((long) Math.ceil(width * scaleH), boxW), boxH};
  }
}
