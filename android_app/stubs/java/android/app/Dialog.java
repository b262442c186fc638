// Compile-only stub for `make android-kotlin`: Android SDK API level 35 (compileSdk 35), only
// the members the app calls, with the signatures of the platform documentation.
package android.app;

import android.content.DialogInterface;

public class Dialog implements DialogInterface {
  @Override
  public void cancel() {}

  @Override
  public void dismiss() {}
}
