// Compile-only stub for `make android-kotlin`: androidx.core:core 1.13, only the members the app
// calls.
package androidx.core.content;

import android.content.Context;
import androidx.annotation.NonNull;

public class ContextCompat {
  public static int checkSelfPermission(@NonNull Context context, @NonNull String permission) {
    throw new UnsupportedOperationException("stub");
  }
}
