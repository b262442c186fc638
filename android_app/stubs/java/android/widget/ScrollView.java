// Compile-only stub for `make android-kotlin`: Android SDK API level 35 (compileSdk 35), only
// the members the app calls, with the signatures of the platform documentation.
package android.widget;

public class ScrollView extends FrameLayout {
  public boolean fullScroll(int direction) {
    throw new UnsupportedOperationException("stub");
  }
}
