package org.bluev.demo

import android.app.Activity
import android.os.Bundle
import android.util.Log
import android.view.WindowManager
import java.io.File
import org.bluev.core.BenchResult

/**
 * The benchmark entry point `bluev bench adb --runner app` starts:
 * ```
 * adb shell am start -W -n org.bluev.demo/.BenchmarkActivity \
 *   --es artifact_dir /data/local/tmp/bluev/<hash> --es prompt "<text>" [--es image <path>] \
 *   [--es audio <question.wav>] \
 *   --ei warmup N --ei runs M --ei max_new_tokens K --es result_name <name>.json
 * ```
 * It runs the generations on a background thread and writes
 * getExternalFilesDir("bench")/<name>.json (/sdcard/Android/data/org.bluev.demo/files/bench/)
 * atomically, then finishes. The host polls for that file. An optional `--es engine stock`
 * measures ExecuTorch's LlmModule on the stock bundle instead of bluev's per-component pipeline.
 */
class BenchmarkActivity : Activity() {
  override fun onCreate(savedInstanceState: Bundle?) {
    super.onCreate(savedInstanceState)
    // A configuration change would recreate the activity: start a session only once.
    if (savedInstanceState != null) return
    window.addFlags(WindowManager.LayoutParams.FLAG_KEEP_SCREEN_ON) // no sleep mid-benchmark

    val name =
        try {
          BenchResult.checkName(intent.getStringExtra("result_name"))
        } catch (e: IllegalArgumentException) {
          Log.e(BenchmarkRunner.TAG, e.message ?: "bad result_name")
          finish()
          return
        }
    val benchDir = getExternalFilesDir("bench")
    if (benchDir == null) {
      Log.e(BenchmarkRunner.TAG, "no external files dir (shared storage not mounted)")
      finish()
      return
    }
    val args =
        BenchmarkRunner.Args(
            artifactDir = File(intent.getStringExtra("artifact_dir") ?: ""),
            // Optional, beyond the fixed contract: which engine to measure (default components).
            engine = intent.getStringExtra("engine") ?: Engines.COMPONENTS,
            prompt = intent.getStringExtra("prompt") ?: "",
            image = intent.getStringExtra("image")?.takeIf { it.isNotEmpty() }?.let { File(it) },
            audio = intent.getStringExtra("audio")?.takeIf { it.isNotEmpty() }?.let { File(it) },
            warmup = intent.getIntExtra("warmup", 1),
            runs = intent.getIntExtra("runs", 3),
            maxNewTokens = intent.getIntExtra("max_new_tokens", 128),
            result = File(benchDir, name),
            records = Engines.records(this))
    // The process's only model work: a plain thread, so a destroyed activity does not stop it.
    Thread(
            {
              try {
                BenchmarkRunner(args).run()
              } catch (e: java.io.IOException) {
                Log.e(BenchmarkRunner.TAG, "could not write ${args.result}", e)
              }
              runOnUiThread { finish() }
            },
            "bluev-bench")
        .start()
  }
}
