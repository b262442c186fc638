// Compile-only stub for `make android-kotlin`: Android SDK API level 35 (compileSdk 35), only
// the members the app calls, with the signatures of the platform documentation.
package android.app;

import android.content.Context;
import android.content.DialogInterface;

public class AlertDialog extends Dialog {
  public static class Builder {
    public Builder(Context context) {}

    public Builder setTitle(int titleId) {
      throw new UnsupportedOperationException("stub");
    }

    public Builder setMessage(CharSequence message) {
      throw new UnsupportedOperationException("stub");
    }

    public Builder setPositiveButton(int textId, DialogInterface.OnClickListener listener) {
      throw new UnsupportedOperationException("stub");
    }

    public Builder setNegativeButton(int textId, DialogInterface.OnClickListener listener) {
      throw new UnsupportedOperationException("stub");
    }

    public AlertDialog show() {
      throw new UnsupportedOperationException("stub");
    }
  }
}
