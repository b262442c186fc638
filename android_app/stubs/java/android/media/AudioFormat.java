// Compile-only stub for `make android-kotlin`: Android SDK API level 35 (compileSdk 35), only
// the members the app calls, with the signatures of the platform documentation.
package android.media;

public final class AudioFormat {
  public static final int ENCODING_PCM_16BIT = 2;
  public static final int CHANNEL_IN_MONO = 16;
}
