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
  public void chwBytesForTheStockRunner() {
    int[] img = {0xff010203, 0xff040506};
    assertArrayEquals(new byte[] {1, 4, 2, 5, 3, 6}, Pixels.toChwBytes(img, 2, 1));
  }
}
