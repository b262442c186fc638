package org.bluev.core;

/**
 * How large a photo is decoded: no larger than its tile plan needs. The plan is made from the
 * size in the file's header (before any pixel is decoded), then the decoder is asked to
 * subsample by a power of two that still leaves at least the canvas and one tile in each
 * direction. This is the rule runtime/image.py's {@code open_for_tiling} gives Pillow's JPEG
 * draft mode: a 12 MP photo on a 2x2 canvas decodes at a quarter of its width and height.
 *
 * <p>Pillow's rule, mirrored exactly: {@code scale = min(W / needW, H / needH)} in integers, then
 * the largest of 8, 4, 2, 1 not above it; the decoded size is {@code ceil(W / s) x ceil(H / s)}.
 * 8 is libjpeg's deepest DCT scaling, and Android's decoders (ImageDecoder's target sample size,
 * BitmapFactory's inSampleSize) take the same powers of two.
 */
public final class PhotoDecode {
  private static final int[] SAMPLES = {8, 4, 2, 1};

  private PhotoDecode() {}

  /** The smallest size the tiles and thumbnail are drawn from without upscaling: [w, h]. */
  public static int[] needed(TilePlan plan) {
    return new int[] {
      Math.max(plan.canvasWidth, plan.tileSize), Math.max(plan.canvasHeight, plan.tileSize)
    };
  }

  /**
   * The power-of-two subsampling factor for a {@code width x height} photo (upright, as the plan
   * was made) whose plan is {@code plan}: 1 when the photo is not larger than twice the need.
   */
  public static int sampleSize(int width, int height, TilePlan plan) {
    int[] need = needed(plan);
    return sampleSize(width, height, need[0], need[1]);
  }

  /** The same rule for any need, e.g. a preview when the artifacts take no image. */
  public static int sampleSize(int width, int height, int needWidth, int needHeight) {
    int scale = Math.min(width / Math.max(1, needWidth), height / Math.max(1, needHeight));
    for (int s : SAMPLES) {
      if (scale >= s) {
        return s;
      }
    }
    return 1;
  }

  /** What a decoder subsampling by {@code sample} returns: [ceil(w / s), ceil(h / s)]. */
  public static int[] decodedSize(int width, int height, int sample) {
    return new int[] {(width + sample - 1) / sample, (height + sample - 1) / sample};
  }
}
