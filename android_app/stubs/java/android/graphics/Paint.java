// Compile-only stub for `make android-kotlin`: Android SDK API level 35 (compileSdk 35), only
// the members the app calls, with the signatures of the platform documentation.
package android.graphics;

public class Paint {
  public static final int ANTI_ALIAS_FLAG = 0x01;
  public static final int FILTER_BITMAP_FLAG = 0x02;

  public enum Style {
    FILL,
    STROKE,
    FILL_AND_STROKE
  }

  public Paint() {}

  public Paint(int flags) {}

  public int getColor() {
    throw new UnsupportedOperationException("stub");
  }

  public void setColor(int color) {}

  public float getStrokeWidth() {
    throw new UnsupportedOperationException("stub");
  }

  public void setStrokeWidth(float width) {}

  public Style getStyle() {
    throw new UnsupportedOperationException("stub");
  }

  public void setStyle(Style style) {}
}
