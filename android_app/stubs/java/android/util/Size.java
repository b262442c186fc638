// Compile-only stub for `make android-kotlin`: Android SDK API level 35 (compileSdk 35), only
// the members the app calls, with the signatures of the platform documentation.
package android.util;

public final class Size {
  public Size(int width, int height) {}

  public int getWidth() {
    throw new UnsupportedOperationException("stub");
  }

  public int getHeight() {
    throw new UnsupportedOperationException("stub");
  }
}
