package org.bluev.demo

import android.content.Context
import android.content.Intent
import android.os.Build
import android.os.Bundle
import android.speech.RecognitionListener
import android.speech.RecognizerIntent
import android.speech.SpeechRecognizer

/**
 * Turns a spoken question into text first, as the paper does, with the phone's own recognizer:
 * the on-device one where the phone has it (API 33+ reports it), else the default recognizer
 * asked to prefer offline. [onMessage] explains when there is none. Main thread only.
 */
class SpeechInput(
    private val context: Context,
    private val onText: (String) -> Unit,
    private val onMessage: (String) -> Unit,
) {
  private var recognizer: SpeechRecognizer? = null

  fun available(): Boolean = onDevice() || SpeechRecognizer.isRecognitionAvailable(context)

  /** The phone recognizes speech without the network (else the set's own programs are preferred). */
  fun onDevice(): Boolean =
      Build.VERSION.SDK_INT >= 33 && SpeechRecognizer.isOnDeviceRecognitionAvailable(context)

  fun listen() {
    if (!available()) {
      onMessage(context.getString(R.string.speech_unavailable))
      return
    }
    cancel()
    val r =
        if (onDevice()) SpeechRecognizer.createOnDeviceSpeechRecognizer(context)
        else SpeechRecognizer.createSpeechRecognizer(context)
    r.setRecognitionListener(Listener())
    val intent =
        Intent(RecognizerIntent.ACTION_RECOGNIZE_SPEECH)
            .putExtra(RecognizerIntent.EXTRA_LANGUAGE_MODEL, RecognizerIntent.LANGUAGE_MODEL_FREE_FORM)
            .putExtra(RecognizerIntent.EXTRA_PREFER_OFFLINE, true)
            .putExtra(RecognizerIntent.EXTRA_PARTIAL_RESULTS, true)
    recognizer = r
    r.startListening(intent)
    onMessage("listening…")
  }

  fun cancel() {
    recognizer?.destroy()
    recognizer = null
  }

  private inner class Listener : RecognitionListener {
    override fun onResults(results: Bundle) {
      results.getStringArrayList(SpeechRecognizer.RESULTS_RECOGNITION)?.firstOrNull()?.let(onText)
      onMessage("heard you")
      cancel()
    }

    override fun onPartialResults(partial: Bundle) {
      partial.getStringArrayList(SpeechRecognizer.RESULTS_RECOGNITION)?.firstOrNull()?.let(onText)
    }

    override fun onError(error: Int) {
      onMessage(
          when (error) {
            SpeechRecognizer.ERROR_NO_MATCH, SpeechRecognizer.ERROR_SPEECH_TIMEOUT ->
                "did not catch that; try again or type"
            SpeechRecognizer.ERROR_INSUFFICIENT_PERMISSIONS ->
                context.getString(R.string.speech_permission)
            SpeechRecognizer.ERROR_NETWORK, SpeechRecognizer.ERROR_NETWORK_TIMEOUT ->
                "the recognizer needs the network and has none; type the question instead"
            else -> "speech recognition failed (error $error); type the question instead"
          })
      cancel()
    }

    override fun onReadyForSpeech(params: Bundle?) {}

    override fun onBeginningOfSpeech() {}

    override fun onRmsChanged(rmsdB: Float) {}

    override fun onBufferReceived(buffer: ByteArray?) {}

    override fun onEndOfSpeech() {}

    override fun onEvent(eventType: Int, params: Bundle?) {}
  }
}
