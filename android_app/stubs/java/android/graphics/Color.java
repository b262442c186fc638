// Compile-only stub for `make android-kotlin`: Android SDK API level 35 (compileSdk 35), only
// the members the app calls, with the signatures of the platform documentation.
package android.graphics;

public class Color {
  public static final int BLACK = 0xFF000000;
  public static final int YELLOW = 0xFFFFFF00;
}
