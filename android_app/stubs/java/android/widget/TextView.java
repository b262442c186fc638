// Compile-only stub for `make android-kotlin`: Android SDK API level 35 (compileSdk 35), only
// the members the app calls, with the signatures of the platform documentation.
package android.widget;

import android.view.View;

public class TextView extends View {
  public CharSequence getText() {
    throw new UnsupportedOperationException("stub");
  }

  public final void setText(CharSequence text) {}

  public CharSequence getHint() {
    throw new UnsupportedOperationException("stub");
  }

  public final void setHint(CharSequence hint) {}
}
