// Compile-only stub for `make android-kotlin`: Android SDK API level 35 (compileSdk 35), only
// the members the app calls, with the signatures of the platform documentation.
package android.graphics;

public class Canvas {
  public Canvas(Bitmap bitmap) {}

  public void drawColor(int color) {}

  public void drawBitmap(Bitmap bitmap, Rect src, Rect dst, Paint paint) {}

  public void drawLine(float startX, float startY, float stopX, float stopY, Paint paint) {}

  public void drawRect(float left, float top, float right, float bottom, Paint paint) {}
}
