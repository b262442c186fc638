// Compile-only stub for `make android-kotlin`: Android SDK API level 35 (compileSdk 35), only
// the members the app calls, with the signatures of the platform documentation.
package android.net;

public abstract class Uri {
  public static Uri parse(String uriString) {
    throw new UnsupportedOperationException("stub");
  }

  public abstract String getScheme();

  public abstract String getLastPathSegment();

  @Override
  public abstract String toString();
}
