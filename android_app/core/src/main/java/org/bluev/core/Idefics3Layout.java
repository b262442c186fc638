package org.bluev.core;

import java.util.ArrayList;
import java.util.List;

/**
 * Layout {@code idefics3}: SmolVLM and Idefics3 as transformers' {@code Idefics3ImageProcessor}
 * and {@code Idefics3Processor} / {@code SmolVLMProcessor} do it (runtime/layouts/idefics3.py).
 *
 * <p>Pixels: the picture is resized so that its longest edge is {@code longest_edge} (the other
 * side truncated, then made even), capped at {@code max_side}; with splitting, resized again to
 * whole tiles (the long side rounded up to tiles, the short side following the new long side, then
 * rounded up) and cut row-major, the global image (that picture stretched to one tile) last. A
 * picture of one tile by then, or without splitting, is the global image alone.
 *
 * <p>Prompt: per tile {@code <fake_token_around_image><row_r_col_c>} and the image token once per
 * embedding, a newline after each row, then {@code \n<fake_token_around_image><global-img>}, the
 * global image's tokens and {@code <fake_token_around_image>}. The connector's outputs are already
 * in prompt order.
 */
public final class Idefics3Layout implements Layout {
  private final TilerConfig tiler;
  private final ImageLayout.Idefics3Split split;
  private final String imageToken;

  /** @param imageToken the processor's image token, or null for a layout that only plans */
  public Idefics3Layout(TilerConfig tiler, ImageLayout.Idefics3Split split, String imageToken) {
    this.tiler = tiler;
    this.split = split;
    this.imageToken = imageToken;
  }

  @Override
  public String kind() {
    return "idefics3";
  }

  /** transformers' {@code _resize_output_size_rescale_to_max_len}, then {@code ..._scale_below_upper_bound}. */
  static int[] longestEdgeSize(int width, int height, int longest, int maxSide) {
    double aspect = (double) width / height;
    int w;
    int h;
    if (width >= height) {
      w = longest;
      h = (int) (longest / aspect);
      h += h % 2;
    } else {
      h = longest;
      w = (int) (longest * aspect);
      w += w % 2;
    }
    w = Math.max(w, 1);
    h = Math.max(h, 1);
    aspect = (double) w / h;
    if (w >= h && w > maxSide) {
      w = maxSide;
      h = (int) (maxSide / aspect);
    } else if (h > w && h > maxSide) {
      h = maxSide;
      w = (int) (maxSide * aspect);
    }
    return new int[] {Math.max(w, 1), Math.max(h, 1)};
  }

  /** transformers' {@code resize_for_vision_encoder}: whole tiles, the short side following the long one. */
  static int[] wholeTilesSize(int width, int height, int tile) {
    double aspect = (double) width / height;
    if (width >= height) {
      int w = (int) Math.ceil((double) width / tile) * tile;
      int h = (int) Math.ceil((double) (int) (w / aspect) / tile) * tile;
      return new int[] {w, h};
    }
    int h = (int) Math.ceil((double) height / tile) * tile;
    int w = (int) Math.ceil((double) (int) (h * aspect) / tile) * tile;
    return new int[] {w, h};
  }

  @Override
  public SplitPlan plan(int width, int height) {
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException(
          "image size " + width + "x" + height + ": width and height must be positive");
    }
    int t = tiler.tileSize;
    int[] resized = longestEdgeSize(width, height, split.longestEdge, split.maxSide);
    int[] canvas = resized;
    int cols = 0;
    int rows = 0;
    if (split.splitting) {
      canvas = wholeTilesSize(resized[0], resized[1], t);
      if (canvas[0] > t || canvas[1] > t) {
        cols = (canvas[0] - t) / t + 1;
        rows = (canvas[1] - t) / t + 1;
      }
    }
    // Geometry for drawing: the picture stretched onto the canvas, cut into tiles, and stretched
    // onto one tile for the global image.
    TilePlan tiles =
        new TilePlan(
            "longest-edge", width, height, cols, rows, t, true, tiler.tokensPerTile, "stretch",
            canvas[0], canvas[1], "stretch");
    return new SplitPlan(tiles, resized, canvas, SplitPlan.order(cols * rows), runs(cols, rows));
  }

  private List<ImagePlan.Run> runs(int cols, int rows) {
    int n = tiler.tokensPerTile;
    List<ImagePlan.Run> out = new ArrayList<>();
    for (int r = 1; r <= rows; r++) {
      for (int c = 1; c <= cols; c++) {
        out.add(ImagePlan.Run.text(split.fakeToken + split.tileToken(r, c)));
        out.add(ImagePlan.Run.image("tile", n));
      }
      out.add(ImagePlan.Run.text("\n"));
    }
    out.add(ImagePlan.Run.text((rows > 0 ? "\n" : "") + split.fakeToken + split.globalToken));
    out.add(ImagePlan.Run.image("global", n));
    out.add(ImagePlan.Run.text(split.fakeToken));
    return out;
  }

  /** The connector's outputs, frame after frame, are the prompt's embeddings in order. */
  @Override
  public float[] pack(ImagePlan plan, float[] features, int dim) {
    return Layouts.sameOrder(plan, features, dim);
  }

  @Override
  public String imageText(ImagePlan plan) {
    if (imageToken == null) {
      throw new IllegalStateException("idefics3 layout without an image token (plans only)");
    }
    return plan.runText(imageToken);
  }
}
