// Compile-only stub for `make android-kotlin`: Android SDK API level 35 (compileSdk 35), only
// the members the app calls, with the signatures of the platform documentation.
package android.media;

public class MediaRecorder {
  public static final class AudioSource {
    public static final int MIC = 1;
  }
}
