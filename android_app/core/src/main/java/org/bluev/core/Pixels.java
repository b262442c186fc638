package org.bluev.core;

/**
 * Turns 384x384 RGB tiles (Android's ARGB ints, as {@code Bitmap.getPixels} returns them) into
 * the tensors the programs take: float32 NCHW normalised as runtime/image.py {@code normalise}
 * does for the vision encoder, or uint8 CHW for the stock runner's {@code vision_encoder}.
 */
public final class Pixels {
  private Pixels() {}

  /**
   * Writes one tile into {@code out} at batch slot {@code slot}: {@code (x * (1/255) - mean) /
   * std} in float32, the same float operations numpy does on the host.
   */
  public static void normalizeInto(
      int[] argb, int size, float[] mean, float[] std, float[] out, int slot) {
    int plane = size * size;
    if (argb.length != plane) {
      throw new IllegalArgumentException("tile has " + argb.length + " pixels, expected " + plane);
    }
    int base = slot * 3 * plane;
    float inv = 1.0f / 255.0f;
    for (int i = 0; i < plane; i++) {
      int p = argb[i];
      out[base + i] = (((p >> 16) & 0xff) * inv - mean[0]) / std[0];
      out[base + plane + i] = (((p >> 8) & 0xff) * inv - mean[1]) / std[1];
      out[base + 2 * plane + i] = ((p & 0xff) * inv - mean[2]) / std[2];
    }
  }

  /**
   * The rescaled value of each 8-bit level, as a layout's image processor computes it
   * (layout.processor, runtime/image.py {@code normalise_as}): "float32" is {@code float32(x) *
   * float32(factor)}, "float64" is transformers' {@code rescale}, {@code float32(float64(x) *
   * factor)}, which differs in the last bit for about half the levels.
   */
  public static float[] rescaleTable(double factor, String dtype) {
    float[] table = new float[256];
    for (int v = 0; v < 256; v++) {
      switch (dtype) {
        case "float32":
          table[v] = (float) v * (float) factor;
          break;
        case "float64":
          table[v] = (float) (v * factor);
          break;
        default:
          throw new IllegalArgumentException("rescale_dtype '" + dtype + "': expected float32 or float64");
      }
    }
    return table;
  }

  /**
   * Writes one tile into {@code out} at batch slot {@code slot}: {@code (table[x] - mean) / std}
   * in float32 with a {@link #rescaleTable}, the same float operations numpy does on the host.
   */
  public static void normalizeInto(
      int[] argb, int size, float[] table, float[] mean, float[] std, float[] out, int slot) {
    int plane = size * size;
    if (argb.length != plane) {
      throw new IllegalArgumentException("tile has " + argb.length + " pixels, expected " + plane);
    }
    int base = slot * 3 * plane;
    for (int i = 0; i < plane; i++) {
      int p = argb[i];
      out[base + i] = (table[(p >> 16) & 0xff] - mean[0]) / std[0];
      out[base + plane + i] = (table[(p >> 8) & 0xff] - mean[1]) / std[1];
      out[base + 2 * plane + i] = (table[p & 0xff] - mean[2]) / std[2];
    }
  }

  /** uint8 CHW bytes of one RGB image (the stock runner normalises inside its graph). */
  public static byte[] toChwBytes(int[] argb, int width, int height) {
    int plane = width * height;
    if (argb.length != plane) {
      throw new IllegalArgumentException("image has " + argb.length + " pixels, expected " + plane);
    }
    byte[] out = new byte[3 * plane];
    for (int i = 0; i < plane; i++) {
      int p = argb[i];
      out[i] = (byte) ((p >> 16) & 0xff);
      out[plane + i] = (byte) ((p >> 8) & 0xff);
      out[2 * plane + i] = (byte) (p & 0xff);
    }
    return out;
  }
}
