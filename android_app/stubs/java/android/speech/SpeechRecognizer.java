// Compile-only stub for `make android-kotlin`: Android SDK API level 35 (compileSdk 35), only
// the members the app calls, with the signatures of the platform documentation.
package android.speech;

import android.content.Context;
import android.content.Intent;

public class SpeechRecognizer {
  public static final String RESULTS_RECOGNITION = "results_recognition";
  public static final int ERROR_NETWORK_TIMEOUT = 1;
  public static final int ERROR_NETWORK = 2;
  public static final int ERROR_SPEECH_TIMEOUT = 6;
  public static final int ERROR_NO_MATCH = 7;
  public static final int ERROR_INSUFFICIENT_PERMISSIONS = 9;

  public static boolean isRecognitionAvailable(Context context) {
    throw new UnsupportedOperationException("stub");
  }

  /** Added in API level 33. */
  public static boolean isOnDeviceRecognitionAvailable(Context context) {
    throw new UnsupportedOperationException("stub");
  }

  public static SpeechRecognizer createSpeechRecognizer(Context context) {
    throw new UnsupportedOperationException("stub");
  }

  /** Added in API level 31. */
  public static SpeechRecognizer createOnDeviceSpeechRecognizer(Context context) {
    throw new UnsupportedOperationException("stub");
  }

  public void setRecognitionListener(RecognitionListener listener) {}

  public void startListening(Intent recognizerIntent) {}

  public void destroy() {}
}
