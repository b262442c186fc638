// Compile-only stub for `make android-kotlin`: Android SDK API level 35 (compileSdk 35), only
// the members the app calls, with the signatures of the platform documentation.
package android.view;

public abstract class Window {
  public void addFlags(int flags) {}

  public void clearFlags(int flags) {}
}
