package org.bluev.demo

import android.util.Log
import java.io.File
import org.bluev.core.ArtifactDir
import org.bluev.core.BenchResult
import org.bluev.core.Stats

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
      require(args.prompt.isNotEmpty()) { "prompt: empty (pass --es prompt <text>)" }
      val opened: Pair<ArtifactDir, Engine> = Engines.open(args.artifactDir, args.engine, args.records)
      val eng = opened.second
      engine = eng // closed in finally
      result = BenchResult(opened.first.manifest.llmBackend(), DeviceInfo.asMap())
      if (args.image != null && !eng.takesImage) {
        throw IllegalArgumentException("${args.image}: the artifacts are text-only (no vision)")
      }
      val picture = args.image?.let { PictureLoader.load(it, eng::plan) }
      for (i in 0 until args.warmup + args.runs) {
        val stats = Stats()
        if (picture != null) eng.encodeImage(picture, stats) else eng.clearImage()
        eng.generate(args.prompt, args.maxNewTokens, stats) {}
        // As on the host, time to first token counts from the start of the request, picture
        // encoding included (the app's screen hides that behind typing; a benchmark cannot).
        stats.ttftMs += stats.imageEncodeMs
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
