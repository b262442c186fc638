package org.bluev.demo

import android.util.Log
import java.io.File
import org.bluev.core.ArtifactDir
import org.bluev.core.BenchResult
import org.bluev.core.Stats
import org.bluev.core.Wav

/**
 * One benchmark session: load the artifacts, run warmup + measured generations, and write the
 * result file `bluev bench adb --runner app` pulls. Always writes a file, with `error` set and
 * the runs that completed when something fails, so the host never waits for nothing.
 */
class BenchmarkRunner(private val args: Args) {
  data class Args(
      val artifactDir: File,
      val engine: String,
      val prompt: String,
      val image: File?,
      /** A spoken question (WAV): transcribed by the set's speech programs, the transcript asked. */
      val audio: File?,
      val warmup: Int,
      val runs: Int,
      val maxNewTokens: Int,
      val result: File,
      /** The app's integrity records (Engines.records): a set is hashed once, not every run. */
      val records: File,
  )

  fun run() {
    var result = BenchResult(null, DeviceInfo.asMap())
    var engine: Engine? = null
    try {
      require(args.warmup >= 0 && args.runs >= 1) { "warmup must be >= 0 and runs >= 1" }
      require(args.maxNewTokens >= 1) { "max_new_tokens must be >= 1" }
      require(args.prompt.isNotEmpty() || args.audio != null) {
        "prompt: empty (pass --es prompt <text> or --es audio <file.wav>)"
      }
      val opened: Pair<ArtifactDir, Engine> = Engines.open(args.artifactDir, args.engine, args.records)
      val eng = opened.second
      engine = eng // closed in finally
      result = BenchResult(opened.first.manifest.llmBackend(), DeviceInfo.asMap())
      if (args.image != null && !eng.takesImage) {
        throw IllegalArgumentException("${args.image}: the artifacts are text-only (no vision)")
      }
      val picture = args.image?.let { PictureLoader.load(it, eng::plan) }
      val speech = args.audio?.let { SpeechEngine(opened.first) }
      val wav = args.audio?.let { Wav.parse(it.readBytes(), it.path) }
      for (i in 0 until args.warmup + args.runs) {
        val stats = Stats()
        if (picture != null) eng.encodeImage(picture, stats) else eng.clearImage()
        var prompt = args.prompt
        if (speech != null && wav != null) {
          val heard = speech.transcribe(wav.samples, wav.rate)
          stats.transcribeMs = heard.transcribeMs
          prompt = heard.text.ifEmpty { throw IllegalArgumentException("${args.audio}: no words recognised") }
        }
        eng.generate(prompt, args.maxNewTokens, stats) {}
        // As on the host, time to first token counts from the start of the request, picture
        // encoding and transcription included (one after the other here: the inline order).
        stats.ttftMs += stats.imageEncodeMs + maxOf(0.0, stats.transcribeMs)
        stats.peakRssMb = Memory.peakRssMb()
        result.add(BenchResult.Run(i < args.warmup, stats))
        Log.i(TAG, "run ${i + 1}/${args.warmup + args.runs}: ${stats.summaryLine()}")
      }
    } catch (t: Throwable) {
      if (t is VirtualMachineError && t !is OutOfMemoryError) throw t
      Log.e(TAG, "benchmark failed", t)
      result.fail(Errors.message(t))
    } finally {
      try {
        engine?.close()
      } catch (e: RuntimeException) {
        Log.w(TAG, "closing the engine failed", e)
      }
    }
    result.writeTo(args.result)
    Log.i(TAG, "wrote ${args.result}")
  }

  companion object {
    const val TAG = "bluev-bench"
  }
}
