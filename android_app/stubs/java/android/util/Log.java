// Compile-only stub for `make android-kotlin`: Android SDK API level 35 (compileSdk 35), only
// the members the app calls, with the signatures of the platform documentation.
package android.util;

public final class Log {
  public static int i(String tag, String msg) {
    throw new UnsupportedOperationException("stub");
  }

  public static int w(String tag, String msg, Throwable tr) {
    throw new UnsupportedOperationException("stub");
  }

  public static int e(String tag, String msg) {
    throw new UnsupportedOperationException("stub");
  }

  public static int e(String tag, String msg, Throwable tr) {
    throw new UnsupportedOperationException("stub");
  }
}
