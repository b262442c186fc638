// Compile-only stub for `make android-kotlin`: androidx.core:core 1.13, only the members the app
// calls (the manifest names the class; the code calls getUriForFile).
package androidx.core.content;

import android.content.Context;
import android.net.Uri;
import androidx.annotation.NonNull;
import java.io.File;

public class FileProvider {
  @NonNull
  public static Uri getUriForFile(
      @NonNull Context context, @NonNull String authority, @NonNull File file) {
    throw new UnsupportedOperationException("stub");
  }
}
