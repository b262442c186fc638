// Compile-only stub for `make android-kotlin`: Android SDK API level 35 (compileSdk 35), only
// the members the app calls, with the signatures of the platform documentation.
package android.os;

public final class SystemClock {
  public static long elapsedRealtime() {
    throw new UnsupportedOperationException("stub");
  }

  public static long elapsedRealtimeNanos() {
    throw new UnsupportedOperationException("stub");
  }
}
