// Compile-only stub for `make android-kotlin`: Android SDK API level 35 (compileSdk 35), only
// the members the app calls, with the signatures of the platform documentation.
package android;

public final class Manifest {
  public static final class permission {
    public static final String RECORD_AUDIO = "android.permission.RECORD_AUDIO";
  }
}
