package org.bluev.core;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;

import org.junit.Test;

public class PixelsTest {
  @Test
  public void normalisesLikeNumpyFloat32InNchwOrder() {
    int[] tile = {0xff000000, 0xffff8001, 0xff102030, 0xffffffff}; // a 2x2 tile
    float[] mean = {0.5f, 0.5f, 0.5f};
    float[] std = {0.5f, 0.5f, 0.5f};
    float[] out = new float[2 * 3 * 4];
    Pixels.normalizeInto(tile, 2, mean, std, out, 1);
    float inv = 1.0f / 255.0f;
    // numpy: (np.float32(x) * np.float32(1/255) - np.float32(0.5)) / np.float32(0.5)
    assertEquals(-1.0f, out[12], 0f); // slot 1, R plane, pixel 0
    assertEquals((255 * inv - 0.5f) / 0.5f, out[13], 0f);
    assertEquals((0x80 * inv - 0.5f) / 0.5f, out[12 + 4 + 1], 0f); // G plane, pixel 1
    assertEquals((0x30 * inv - 0.5f) / 0.5f, out[12 + 8 + 2], 0f); // B plane, pixel 2
    assertEquals(0f, out[0], 0f); // slot 0 untouched
  }

  @Test
  public void bitsEqualNumpyFloat32() {
    // numpy: x = np.arange(256, dtype=np.uint8).astype(np.float32) * np.float32(1.0 / 255.0);
    // (x - np.float32(0.5)) / np.float32(0.5), as uint32 bits, for x in 0, 1, 17, 128, 200, 255
    int[] values = {0, 1, 17, 128, 200, 255};
    int[] bits = {0xbf800000, 0xbf7dfdfe, 0xbf5dddde, 0x3b808100, 0x3f119194, 0x3f800000};
    float[] half = {0.5f, 0.5f, 0.5f};
    for (int i = 0; i < values.length; i++) {
      int v = values[i];
      float[] out = new float[3];
      Pixels.normalizeInto(new int[] {0xff000000 | v << 16 | v << 8 | v}, 1, half, half, out, 0);
      for (float f : out) {
        assertEquals("value " + v, Integer.toHexString(bits[i]), Integer.toHexString(Float.floatToIntBits(f)));
      }
    }
  }

  @Test
  public void chwBytesForTheStockRunner() {
    int[] img = {0xff010203, 0xff040506};
    assertArrayEquals(new byte[] {1, 4, 2, 5, 3, 6}, Pixels.toChwBytes(img, 2, 1));
  }
}
