// Compile-only stub for `make android-kotlin`: Android SDK API level 35 (compileSdk 35), only
// the members the app calls, with the signatures of the platform documentation.
package android.graphics;

public final class Bitmap {
  public enum Config {
    ALPHA_8,
    RGB_565,
    ARGB_4444,
    ARGB_8888,
    RGBA_F16,
    HARDWARE,
    RGBA_1010102
  }

  public static Bitmap createBitmap(int width, int height, Config config) {
    throw new UnsupportedOperationException("stub");
  }

  public static Bitmap createScaledBitmap(Bitmap src, int dstWidth, int dstHeight, boolean filter) {
    throw new UnsupportedOperationException("stub");
  }

  public Bitmap copy(Config config, boolean isMutable) {
    throw new UnsupportedOperationException("stub");
  }

  public int getWidth() {
    throw new UnsupportedOperationException("stub");
  }

  public int getHeight() {
    throw new UnsupportedOperationException("stub");
  }

  public void getPixels(int[] pixels, int offset, int stride, int x, int y, int width, int height) {}

  public void recycle() {}
}
