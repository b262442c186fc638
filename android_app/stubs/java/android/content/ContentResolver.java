// Compile-only stub for `make android-kotlin`: Android SDK API level 35 (compileSdk 35), only
// the members the app calls, with the signatures of the platform documentation.
package android.content;

import android.database.Cursor;
import android.net.Uri;
import java.io.FileNotFoundException;
import java.io.InputStream;

public abstract class ContentResolver {
  public final InputStream openInputStream(Uri uri) throws FileNotFoundException {
    throw new UnsupportedOperationException("stub");
  }

  public final Cursor query(
      Uri uri, String[] projection, String selection, String[] selectionArgs, String sortOrder) {
    throw new UnsupportedOperationException("stub");
  }
}
