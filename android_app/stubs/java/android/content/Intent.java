// Compile-only stub for `make android-kotlin`: Android SDK API level 35 (compileSdk 35), only
// the members the app calls, with the signatures of the platform documentation.
package android.content;

public class Intent {
  public Intent(String action) {}

  public String getStringExtra(String name) {
    throw new UnsupportedOperationException("stub");
  }

  public int getIntExtra(String name, int defaultValue) {
    throw new UnsupportedOperationException("stub");
  }

  public Intent putExtra(String name, String value) {
    throw new UnsupportedOperationException("stub");
  }

  public Intent putExtra(String name, boolean value) {
    throw new UnsupportedOperationException("stub");
  }
}
