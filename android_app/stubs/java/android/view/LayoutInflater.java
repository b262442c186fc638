// Compile-only stub for `make android-kotlin`: Android SDK API level 35 (compileSdk 35), only
// the members the app calls, with the signatures of the platform documentation.
package android.view;

import android.content.Context;

public abstract class LayoutInflater {
  public static LayoutInflater from(Context context) {
    throw new UnsupportedOperationException("stub");
  }

  public View inflate(int resource, ViewGroup root, boolean attachToRoot) {
    throw new UnsupportedOperationException("stub");
  }
}
