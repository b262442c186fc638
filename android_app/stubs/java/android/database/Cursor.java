// Compile-only stub for `make android-kotlin`: Android SDK API level 35 (compileSdk 35), only
// the members the app calls, with the signatures of the platform documentation.
package android.database;

import java.io.Closeable;

public interface Cursor extends Closeable {
  boolean moveToFirst();

  boolean moveToNext();

  String getString(int columnIndex);

  long getLong(int columnIndex);

  boolean isNull(int columnIndex);

  @Override
  void close();
}
