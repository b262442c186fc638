// Compile-only stub for `make android-kotlin`: Android SDK API level 35 (compileSdk 35), only
// the members the app calls, with the signatures of the platform documentation.
package android.content;

import android.net.Uri;

public class Intent {
  public static final String ACTION_VIEW = "android.intent.action.VIEW";

  public Intent(String action) {}

  public Intent(Context packageContext, Class<?> cls) {}

  public String getAction() {
    throw new UnsupportedOperationException("stub");
  }

  public Uri getData() {
    throw new UnsupportedOperationException("stub");
  }

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
