// Compile-only stub for `make android-kotlin`: Android SDK API level 35 (compileSdk 35), only
// the members the app calls, with the signatures of the platform documentation.
package android.content;

import java.io.File;

public class ContextWrapper extends Context {
  @Override
  public SharedPreferences getSharedPreferences(String name, int mode) {
    throw new UnsupportedOperationException("stub");
  }

  @Override
  public File getFilesDir() {
    throw new UnsupportedOperationException("stub");
  }

  @Override
  public File getCacheDir() {
    throw new UnsupportedOperationException("stub");
  }

  @Override
  public File getExternalFilesDir(String type) {
    throw new UnsupportedOperationException("stub");
  }

  @Override
  public ContentResolver getContentResolver() {
    throw new UnsupportedOperationException("stub");
  }

  @Override
  public void startActivity(Intent intent) {}

  @Override
  public String getPackageName() {
    throw new UnsupportedOperationException("stub");
  }
}
