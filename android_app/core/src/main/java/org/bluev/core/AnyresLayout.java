package org.bluev.core;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;

/**
 * Layout {@code llava-anyres}: LLaVA-OneVision and LLaVA-NeXT as their processor and model do it,
 * the port of runtime/layouts/llava_anyres.py (rules in tests/data/LAYOUT_VECTORS.md).
 *
 * <p>Pixels: the grid is the pinpoint canvas LLaVA-NeXT's rule picks, scanned in the checkpoint's
 * order (or the relaxed rule over the same canvases when exported with --tiler relaxed); the
 * picture is fitted into it (sides rounded up), centred on black and cut row-major; the base
 * image, the whole picture stretched to one tile, is encoded first.
 *
 * <p>Embeddings: the base image's features, then the grid's tiles as one feature picture with its
 * padding rows (or columns) cut off, shrunk bilinearly when it holds more than 1.1x
 * {@code max_tiles} tiles of features (OneVision's anyres_max_N), each row followed by the
 * {@code image_newline} embedding.
 */
public final class AnyresLayout implements Layout {
  private final TilerConfig tiler;
  private final ImageLayout.Anyres spec;
  private final String baseResize;
  private final String imageToken;
  private final float[] newline;

  /**
   * @param baseResize the base image's resize (layout.processor.thumbnail_resize)
   * @param imageToken the processor's image token (layout.prompt.image_token), or null for a
   *     layout that only plans (a test vector's)
   * @param newline the image_newline embedding, or null for a layout that only plans
   */
  public AnyresLayout(
      TilerConfig tiler, ImageLayout.Anyres spec, String baseResize, String imageToken, float[] newline) {
    this.tiler = tiler;
    this.spec = spec;
    this.baseResize = baseResize;
    this.imageToken = imageToken;
    this.newline = newline == null ? null : newline.clone();
  }

  @Override
  public String kind() {
    return "llava-anyres";
  }

  /** The pinpoints {height, width} as grids {columns, rows}, in the checkpoint's order. */
  public static List<int[]> pinpointGrids(List<int[]> pinpoints, int tile) {
    List<int[]> out = new ArrayList<>();
    for (int[] p : pinpoints) {
      out.add(new int[] {p[1] / tile, p[0] / tile});
    }
    return out;
  }

  @Override
  public AnyresPlan plan(int width, int height) {
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException(
          "image size " + width + "x" + height + ": width and height must be positive");
    }
    int t = tiler.tileSize;
    List<int[]> grids = pinpointGrids(spec.pinpoints, t);
    int[] grid =
        tiler.policy.equals("relaxed")
            ? Tiler.bestRelaxed(width, height, grids, t, tiler.alpha)
            : Tiler.bestLlavaNext(width, height, grids, t);
    int cols = grid[0];
    int rows = grid[1];
    int[] content = Tiler.fitSize(width, height, t * cols, t * rows);
    TilePlan tiles =
        new TilePlan(
            tiler.policy, width, height, cols, rows, t, true, spec.featureSide * spec.featureSide,
            "fit-pad", content[0], content[1], baseResize);
    int side = spec.featureSide;
    int[][] kept = unpaddedFeatures(width, height, rows * side, cols * side);
    int[] packed = shrunk(kept[0][0], kept[0][1], side, spec.maxTiles);
    return new AnyresPlan(tiles, side, kept[0], kept[1], packed);
  }

  static List<String> encoderOrder(int tiles) {
    List<String> out = new ArrayList<>();
    out.add("base");
    for (int i = 0; i < tiles; i++) {
      out.add("tile");
    }
    return out;
  }

  static List<ImagePlan.Run> runs(int side, int[] packed) {
    List<ImagePlan.Run> out = new ArrayList<>();
    out.add(ImagePlan.Run.image("base", side * side));
    out.add(ImagePlan.Run.gridRows(packed[0], packed[1], true));
    return out;
  }

  /**
   * {{kept rows, kept columns}, {top, left}} of a rows x cols feature picture of a width x height
   * image: transformers' {@code unpad_image} with its float rounding ({@code int(round(x, 7))}).
   */
  static int[][] unpaddedFeatures(int width, int height, int rows, int cols) {
    if ((double) width / height > (double) cols / rows) {
      int newRows = roundTo7Int(height * ((double) cols / width));
      int pad = Math.floorDiv(rows - newRows, 2);
      return new int[][] {{rows - 2 * pad, cols}, {pad, 0}};
    }
    int newCols = roundTo7Int(width * ((double) rows / height));
    int pad = Math.floorDiv(cols - newCols, 2);
    return new int[][] {{rows, cols - 2 * pad}, {0, pad}};
  }

  /** Python's {@code int(round(x, 7))}: round the double's exact value to 7 decimals, truncate. */
  static int roundTo7Int(double x) {
    return new BigDecimal(x).setScale(7, RoundingMode.HALF_EVEN).intValue();
  }

  /** OneVision's anyres_max_N: a feature picture over 1.1x N tiles' worth is shrunk to about N. */
  static int[] shrunk(int rows, int cols, int side, int maxTiles) {
    if (maxTiles <= 0) {
      return new int[] {rows, cols};
    }
    double ratio = Math.sqrt((double) ((long) rows * cols) / ((long) maxTiles * side * side));
    if (ratio > 1.1) {
      return new int[] {(int) floorDiv(rows, ratio), (int) floorDiv(cols, ratio)};
    }
    return new int[] {rows, cols};
  }

  /** Python's float {@code a // b} (CPython's float_floor_div), exact where floor(a / b) is not. */
  static double floorDiv(double a, double b) {
    double mod = a % b; // C's fmod, as Java's % on doubles
    double div = (a - mod) / b;
    if (mod != 0 && ((b < 0) != (mod < 0))) {
      div -= 1.0;
    }
    if (div == 0) {
      return Math.copySign(0.0, a / b);
    }
    double floor = Math.floor(div);
    return div - floor > 0.5 ? floor + 1.0 : floor;
  }

  /**
   * The model's {@code pack_image_features} on the projector's outputs: base features first, then
   * the grid's feature picture unpadded, shrunk bilinearly when the plan says so (PyTorch's
   * {@code interpolate}, bilinear, align_corners=False, no antialias) and a newline after each row.
   */
  @Override
  public float[] pack(ImagePlan imagePlan, float[] features, int dim) {
    if (!(imagePlan instanceof AnyresPlan)) {
      throw new IllegalArgumentException("a " + imagePlan.kind + " plan given to the llava-anyres layout");
    }
    AnyresPlan plan = (AnyresPlan) imagePlan;
    int side = plan.featureSide;
    int perImage = side * side;
    if (newline == null || newline.length != dim) {
      throw new IllegalArgumentException(
          "image_newline: " + (newline == null ? "not loaded" : newline.length + " floats")
              + ", the LLM's embeddings have " + dim);
    }
    if (features.length != (long) plan.imagesToEncode() * perImage * dim) {
      throw new IllegalArgumentException(
          "image features: " + features.length + " floats do not fit the layout: "
              + plan.imagesToEncode() + " tiles of " + side + "x" + side + " x " + dim);
    }
    int cols = plan.tiles.columns;
    int keptRows = plan.unpadded[0];
    int keptCols = plan.unpadded[1];
    // The kept part of the grid's feature picture [keptRows, keptCols, dim], row-major.
    float[] grid = new float[keptRows * keptCols * dim];
    for (int y = 0; y < keptRows; y++) {
      for (int x = 0; x < keptCols; x++) {
        int fy = y + plan.crop[0];
        int fx = x + plan.crop[1];
        int tile = (fy / side) * cols + fx / side;
        int src = ((1 + tile) * perImage + (fy % side) * side + fx % side) * dim;
        System.arraycopy(features, src, grid, (y * keptCols + x) * dim, dim);
      }
    }
    int rows = plan.packed[0];
    int width = plan.packed[1];
    if (rows != keptRows || width != keptCols) {
      grid = bilinear(grid, keptRows, keptCols, rows, width, dim);
    }
    float[] out = new float[plan.imageTokens() * dim];
    System.arraycopy(features, 0, out, 0, perImage * dim);
    int pos = perImage * dim;
    for (int y = 0; y < rows; y++) {
      System.arraycopy(grid, y * width * dim, out, pos, width * dim);
      pos += width * dim;
      System.arraycopy(newline, 0, out, pos, dim);
      pos += dim;
    }
    return out;
  }

  /**
   * PyTorch's bilinear {@code interpolate} (align_corners=False, no antialias) of an [h, w, dim]
   * picture to [outH, outW, dim], in float as its CPU kernel computes the source indices.
   */
  static float[] bilinear(float[] in, int h, int w, int outH, int outW, int dim) {
    float[] out = new float[outH * outW * dim];
    float scaleH = (float) h / outH;
    float scaleW = (float) w / outW;
    for (int oy = 0; oy < outH; oy++) {
      float sy = Math.max(scaleH * (oy + 0.5f) - 0.5f, 0f);
      int y0 = (int) sy;
      int y1 = y0 < h - 1 ? y0 + 1 : y0;
      float ly1 = sy - y0;
      float ly0 = 1f - ly1;
      for (int ox = 0; ox < outW; ox++) {
        float sx = Math.max(scaleW * (ox + 0.5f) - 0.5f, 0f);
        int x0 = (int) sx;
        int x1 = x0 < w - 1 ? x0 + 1 : x0;
        float lx1 = sx - x0;
        float lx0 = 1f - lx1;
        int o = (oy * outW + ox) * dim;
        int a = (y0 * w + x0) * dim;
        int b = (y0 * w + x1) * dim;
        int c = (y1 * w + x0) * dim;
        int d = (y1 * w + x1) * dim;
        for (int k = 0; k < dim; k++) {
          out[o + k] =
              ly0 * (lx0 * in[a + k] + lx1 * in[b + k]) + ly1 * (lx0 * in[c + k] + lx1 * in[d + k]);
        }
      }
    }
    return out;
  }

  /** The image token once per embedding, newlines included: the processor's expanded text. */
  @Override
  public String imageText(ImagePlan plan) {
    if (imageToken == null) {
      throw new IllegalStateException("llava-anyres layout without an image token (plans only)");
    }
    return plan.runText(imageToken);
  }
}
