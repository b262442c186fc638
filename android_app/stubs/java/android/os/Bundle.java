// Compile-only stub for `make android-kotlin`: Android SDK API level 35 (compileSdk 35), only
// the members the app calls, with the signatures of the platform documentation.
package android.os;

import java.util.ArrayList;

public final class Bundle extends BaseBundle {
  public ArrayList<String> getStringArrayList(String key) {
    throw new UnsupportedOperationException("stub");
  }
}
