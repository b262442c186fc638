package org.bluev.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A picture's plan under {@code idefics3} ({@link Idefics3Layout}): the size after the
 * longest-edge resize, the canvas of whole tiles it is resized to again, and the grid as the
 * processor counts it ({0, 0} when the picture is the global image alone).
 */
public final class SplitPlan extends ImagePlan {
  /** {width, height} after the longest-edge resize. */
  public final int[] resized;
  /** {width, height} after the resize to whole tiles ({@link #resized} without splitting). */
  public final int[] canvas;

  SplitPlan(TilePlan tiles, int[] resized, int[] canvas, List<String> order, List<Run> runs) {
    super("idefics3", tiles, order, tiles.tokensPerTile, runs);
    this.resized = resized.clone();
    this.canvas = canvas.clone();
  }

  /**
   * The pieces of the image's run: the image tokens, a fake and a tile token per tile, a newline
   * per row, then the newline, fake, global and fake tokens around the global image (the count
   * runtime/layouts/idefics3.py records; the tokenizer may join two newlines).
   */
  public int runPieces() {
    int n = tokensPerImage;
    if (tiles.rows == 0) {
      return n + 3;
    }
    return tiles.rows * (tiles.columns * (n + 2) + 1) + n + 4;
  }

  @Override
  public Map<String, Object> summary() {
    Map<String, Object> all = super.summary();
    // The processor's own terms: no fit-pad content box.
    all.remove("resize");
    all.remove("content");
    all.put("resized", pair(resized[0], resized[1]));
    all.put("canvas", pair(canvas[0], canvas[1]));
    all.put("run_pieces", (long) runPieces());
    return all;
  }

  static List<String> order(int tiles) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < tiles; i++) {
      out.add("tile");
    }
    out.add("global");
    return out;
  }
}
