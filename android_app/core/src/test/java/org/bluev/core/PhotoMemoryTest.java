package org.bluev.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.Locale;
import org.junit.Test;

/**
 * The pixel memory the app's photo path allocates, computed from the core's own plan and decode
 * rule: the decoded bitmap (ARGB_8888, native memory), the preview and its grid copy (at most
 * 1024 px on the long edge), every tile as an int[] plus the one tile bitmap being drawn, and one
 * batch of normalised float input twice (the float[] and the copy Tensor.fromBlob makes). The
 * peak is the sum, an upper bound: nothing is counted as freed.
 *
 * <p>{@code java -cp android_app/core/build/make-unit/main:android_app/core/build/make-unit/test
 * org.bluev.core.PhotoMemoryTest} prints the table for 12 MP and 48 MP photos (after
 * {@code make android-unit}).
 */
public class PhotoMemoryTest {
  private static final int PREVIEW_EDGE = 1024; // ChatViewModel.PREVIEW_EDGE

  /** Bytes: {full decode, sampled decode, preview, tiles, batch inputs, peak, peak if decoded full}. */
  static long[] account(int w, int h, TilerConfig cfg, int maxBatch) {
    TilePlan plan = Tiler.plan(w, h, cfg);
    int s = PhotoDecode.sampleSize(w, h, plan);
    int[] d = PhotoDecode.decodedSize(w, h, s);
    long full = 4L * w * h;
    long decoded = 4L * d[0] * d[1];
    double scale = Math.min(1.0, (double) PREVIEW_EDGE / Math.max(d[0], d[1]));
    long previewPixels = (long) (d[0] * scale) * (long) (d[1] * scale);
    long preview = 4L * previewPixels * (scale < 1.0 ? 2 : 1); // scaled copy + grid copy
    long tile = 4L * plan.tileSize * plan.tileSize;
    long tiles = tile * plan.imagesToEncode() + tile;
    long inputs = 2L * Math.min(maxBatch, plan.imagesToEncode()) * 3 * tile;
    long rest = preview + tiles + inputs;
    return new long[] {full, decoded, preview, tiles, inputs, decoded + rest, full + rest};
  }

  private static TilerConfig cfg(int maxTiles) {
    return new TilerConfig("relaxed", 384, 0.1, 1, maxTiles, null, true, 196);
  }

  @Test
  public void twelveMegapixelPhoto() {
    long[] a = account(4000, 3000, cfg(8), 9); // bluelm-v-3b: 2x4 cap, batch of 9
    assertEquals(48_000_000L, a[0]);
    assertEquals(12_000_000L, a[1]); // 2000x1500
    assertEquals(47_782_656L, a[5]); // 12 MB decoded + 6.3 preview + 4.7 tiles + 24.8 inputs
    assertTrue(a[6] - a[5] == 36_000_000L);
  }

  @Test
  public void fortyEightMegapixelPhoto() {
    long[] a = account(8000, 6000, cfg(8), 9);
    assertEquals(192_000_000L, a[0]);
    assertEquals(12_000_000L, a[1]); // also 2000x1500: the need, not the photo, sets the size
    assertEquals(47_782_656L, a[5]);
    assertEquals(227_782_656L, a[6]);
  }

  public static void main(String[] args) {
    System.out.println("photo        tiler      full decode  decoded  preview  tiles  inputs  peak (MB)");
    int[][] photos = {{4000, 3000}, {8000, 6000}};
    int[][] tilers = {{8, 9}, {4, 5}}; // bluelm-v-3b, tiny: max tiles, max batch
    for (int[] p : photos) {
      for (int[] t : tilers) {
        long[] a = account(p[0], p[1], cfg(t[0]), t[1]);
        System.out.println(
            String.format(
                Locale.ROOT,
                "%5dx%-5d  max %d     %6.1f      %6.1f   %6.1f   %5.1f  %6.1f  %6.1f (full decode: %.1f)",
                p[0], p[1], t[0], a[0] / 1e6, a[1] / 1e6, a[2] / 1e6, a[3] / 1e6, a[4] / 1e6,
                a[5] / 1e6, a[6] / 1e6));
      }
    }
  }
}
