// Compile-only stub for `make android-kotlin`: Android SDK API level 35 (compileSdk 35), only
// the members the app calls, with the signatures of the platform documentation.
package android.graphics;

public final class Rect {
  public int left;
  public int top;
  public int right;
  public int bottom;

  public Rect(int left, int top, int right, int bottom) {}

  public Rect(Rect r) {}

  public void offset(int dx, int dy) {}
}
