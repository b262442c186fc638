// Compile-only stub for `make android-kotlin`: Android SDK API level 35 (compileSdk 35), only
// the members the app calls, with the signatures of the platform documentation.
package android.content;

import java.io.File;

public abstract class Context {
  public static final int MODE_PRIVATE = 0;

  public abstract SharedPreferences getSharedPreferences(String name, int mode);

  public abstract File getFilesDir();

  public abstract File getCacheDir();

  public abstract File getExternalFilesDir(String type);

  public abstract ContentResolver getContentResolver();

  public abstract String getPackageName();

  public abstract void startActivity(Intent intent);

  public final String getString(int resId) {
    throw new UnsupportedOperationException("stub");
  }
}
