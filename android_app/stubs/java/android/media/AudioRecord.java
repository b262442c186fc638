// Compile-only stub for `make android-kotlin`: Android SDK API level 35 (compileSdk 35), only
// the members the app calls, with the signatures of the platform documentation.
package android.media;

public class AudioRecord {
  public static final int STATE_INITIALIZED = 1;
  public static final int ERROR_BAD_VALUE = -2;
  public static final int ERROR = -1;

  public AudioRecord(
      int audioSource, int sampleRateInHz, int channelConfig, int audioFormat, int bufferSizeInBytes) {
    throw new UnsupportedOperationException("stub");
  }

  public static int getMinBufferSize(int sampleRateInHz, int channelConfig, int audioFormat) {
    throw new UnsupportedOperationException("stub");
  }

  public int getState() {
    throw new UnsupportedOperationException("stub");
  }

  public void startRecording() {
    throw new UnsupportedOperationException("stub");
  }

  public int read(short[] audioData, int offsetInShorts, int sizeInShorts) {
    throw new UnsupportedOperationException("stub");
  }

  public void stop() {
    throw new UnsupportedOperationException("stub");
  }

  public void release() {
    throw new UnsupportedOperationException("stub");
  }
}
