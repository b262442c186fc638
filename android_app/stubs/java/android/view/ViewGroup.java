// Compile-only stub for `make android-kotlin`: Android SDK API level 35 (compileSdk 35), only
// the members the app calls, with the signatures of the platform documentation.
package android.view;

public abstract class ViewGroup extends View {
  public void addView(View child) {}

  public void removeAllViews() {}

  public static class LayoutParams {}
}
