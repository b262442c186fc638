package org.bluev.demo

import android.media.AudioFormat
import android.media.AudioRecord
import android.media.MediaRecorder
import java.util.concurrent.atomic.AtomicBoolean

/**
 * The microphone as mono float samples at [rate] Hz, for the artifact set's own speech programs
 * when the phone has no on-device recognizer: [record] blocks (a background thread) until [stop]
 * or [maxSeconds], the encoder's chunk. Needs the RECORD_AUDIO permission.
 */
class SpeechRecorder(private val rate: Int, private val maxSeconds: Int) {
  private val stopRequested = AtomicBoolean(false)

  fun record(): FloatArray {
    stopRequested.set(false)
    val min = AudioRecord.getMinBufferSize(rate, AudioFormat.CHANNEL_IN_MONO, AudioFormat.ENCODING_PCM_16BIT)
    check(min > 0) { "the microphone cannot record at $rate Hz (error $min)" }
    val recorder =
        AudioRecord(
            MediaRecorder.AudioSource.MIC, rate, AudioFormat.CHANNEL_IN_MONO,
            AudioFormat.ENCODING_PCM_16BIT, maxOf(min, rate / 5 * 2))
    try {
      check(recorder.state == AudioRecord.STATE_INITIALIZED) { "the microphone is not available" }
      val pcm = ShortArray(rate * maxSeconds)
      var filled = 0
      recorder.startRecording()
      while (filled < pcm.size && !stopRequested.get()) {
        val n = recorder.read(pcm, filled, minOf(rate / 10, pcm.size - filled))
        if (n < 0) throw IllegalStateException("the microphone stopped (error $n)")
        filled += n
      }
      recorder.stop()
      // as runtime/audio.py reads 16-bit PCM: value / 32768
      return FloatArray(filled) { (pcm[it] / 32768.0).toFloat() }
    } finally {
      recorder.release()
    }
  }

  /** Ends a running [record]; safe from any thread. */
  fun stop() {
    stopRequested.set(true)
  }
}
