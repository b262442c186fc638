// Compile-only stub for `make android-kotlin`: Android SDK API level 35 (compileSdk 35), only
// the members the app calls, with the signatures of the platform documentation.
package android.speech;

public class RecognizerIntent {
  public static final String ACTION_RECOGNIZE_SPEECH = "android.speech.action.RECOGNIZE_SPEECH";
  public static final String EXTRA_LANGUAGE_MODEL = "android.speech.extra.LANGUAGE_MODEL";
  public static final String LANGUAGE_MODEL_FREE_FORM = "free_form";
  public static final String EXTRA_PREFER_OFFLINE = "android.speech.extra.PREFER_OFFLINE";
  public static final String EXTRA_PARTIAL_RESULTS = "android.speech.extra.PARTIAL_RESULTS";
}
