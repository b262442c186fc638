package org.bluev.demo

import android.graphics.Bitmap
import android.os.SystemClock
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicInteger
import org.bluev.core.ArtifactDir
import org.bluev.core.Pixels
import org.bluev.core.RunnerStats
import org.bluev.core.Stats
import org.bluev.core.TilerConfig
import org.bluev.core.Tiler
import org.pytorch.executorch.extension.llm.LlmCallback
import org.pytorch.executorch.extension.llm.LlmModule

/**
 * Runs the manifest's `stock_runner` bundle with ExecuTorch's own LLM runner ([LlmModule]): a
 * TextLLMRunner bundle for text presets, a MultimodalRunner bundle (one 384x384 image, no
 * tiling) for multimodal ones. The runner tokenizes with the artifacts' tokenizer.json itself.
 *
 * Decoupling: [encodeImage] prefills the chat template's prefix and the image into the KV cache
 * as soon as a picture is picked; [generate] then prefills only the question and decodes.
 */
class StockEngine(private val artifacts: ArtifactDir) : Engine {
  private val manifest = artifacts.manifest
  private val stock =
      manifest.stockRunner
          ?: throw IllegalStateException("${artifacts.root}: the manifest has no stock_runner bundle")
  private val module: LlmModule =
      LlmModule(
          if (stock.takesImage) LlmModule.MODEL_TYPE_TEXT_VISION else LlmModule.MODEL_TYPE_TEXT,
          artifacts.file(stock.program).path,
          artifacts.file(stock.tokenizer).path,
          0.0f) // greedy, as `bluev run` defaults to
  private val stopRequested = AtomicBoolean(false)

  /** True when the KV cache holds prefix + image and the next generate continues from it. */
  private var imagePrefilled = false

  init {
    module.load() // fail here, with the file named, rather than on the first question
  }

  override val takesImage: Boolean
    get() = stock.takesImage

  override val kind: String
    get() = Engines.STOCK

  override fun encodeImage(picture: Bitmap, stats: Stats) {
    check(stock.takesImage) { "${artifacts.root}: the ${manifest.preset} artifacts are text-only" }
    val size = stock.imageSize
    // The stock bundle sees one image: the whole picture fitted onto one tile, as the thumbnail.
    val plan = Tiler.plan(picture.width, picture.height, singleTile(size))
    val pixels = Pixels.toChwBytes(TileRenderer.thumbnail(picture, plan), size, size)
    val started = SystemClock.elapsedRealtimeNanos()
    module.resetContext()
    imagePrefilled = false
    module.prefillPrompt(manifest.chatTemplate.prefix)
    module.prefillImages(IntArray(pixels.size) { pixels[it].toInt() and 0xff }, size, size, 3)
    imagePrefilled = true
    stats.tiles = 1
    stats.imageEncodeMs = (SystemClock.elapsedRealtimeNanos() - started) / 1e6
  }

  override fun clearImage() {
    if (imagePrefilled) module.resetContext()
    imagePrefilled = false
  }

  override fun generate(prompt: String, maxNewTokens: Int, stats: Stats, onText: (String) -> Unit) {
    stopRequested.set(false)
    val text =
        if (imagePrefilled) prompt + manifest.chatTemplate.suffix
        else {
          module.resetContext()
          manifest.chatTemplate.render(prompt)
        }
    imagePrefilled = false // the cache now holds this turn; a new picture starts over
    val out = stats
    val pieces = AtomicInteger(0)
    var stoppedAtBudget = false
    var error: String? = null
    val callback =
        object : LlmCallback {
          override fun onResult(result: String) {
            // One callback per token (pieces of a multi-byte character are merged), so counting
            // them enforces max_new_tokens; the runner's seq_len bound is the whole context.
            if (stopRequested.get()) return
            onText(result)
            if (pieces.incrementAndGet() >= maxNewTokens) {
              stoppedAtBudget = true
              module.stop()
            }
          }

          override fun onStats(stats: String) {
            RunnerStats.fill(stats, out)
          }

          override fun onError(errorCode: Int, message: String) {
            error = "ExecuTorch error $errorCode: $message"
          }
        }
    module.generate(text, manifest.llm.maxSeqLen, callback, false)
    error?.let { throw IllegalStateException(it) }
    stats.stopReason =
        when {
          stoppedAtBudget -> "max_new_tokens"
          stopRequested.get() -> "stopped"
          // The runner stops by itself at the end of the context (seq_len = max_seq_len).
          stats.prefillTokens + stats.decodeTokens + 1 >= manifest.llm.maxSeqLen -> "context_full"
          else -> "eos"
        }
    stats.peakRssMb = Memory.peakRssMb()
  }

  override fun stop() {
    stopRequested.set(true)
    module.stop()
  }

  override fun close() {
    module.close()
  }

  private fun singleTile(size: Int): TilerConfig {
    val policy = manifest.vision?.tiler?.policy ?: "relaxed"
    return TilerConfig(policy, size, 0.0, 1, 1, null, false, 1)
  }
}
