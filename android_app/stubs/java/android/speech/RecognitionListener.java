// Compile-only stub for `make android-kotlin`: Android SDK API level 35 (compileSdk 35), only
// the members the app calls, with the signatures of the platform documentation.
package android.speech;

import android.os.Bundle;

/** The API 33-34 default methods (segments, language detection) are left out: the app uses none. */
public interface RecognitionListener {
  void onReadyForSpeech(Bundle params);

  void onBeginningOfSpeech();

  void onRmsChanged(float rmsdB);

  void onBufferReceived(byte[] buffer);

  void onEndOfSpeech();

  void onError(int error);

  void onResults(Bundle results);

  void onPartialResults(Bundle partialResults);

  void onEvent(int eventType, Bundle params);
}
