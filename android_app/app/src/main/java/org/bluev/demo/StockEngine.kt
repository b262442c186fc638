package org.bluev.demo

import android.os.SystemClock
import java.io.File
import java.util.concurrent.atomic.AtomicBoolean
import org.bluev.core.ArtifactDir
import org.bluev.core.ArtifactException
import org.bluev.core.BlueLmVLayout
import org.bluev.core.BpeTokenizer
import org.bluev.core.ImagePlan
import org.bluev.core.LoadGroup
import org.bluev.core.Pixels
import org.bluev.core.RunnerStats
import org.bluev.core.Stats
import org.bluev.core.StockBudget
import org.bluev.core.TilerConfig
import org.pytorch.executorch.extension.llm.LlmCallback
import org.pytorch.executorch.extension.llm.LlmModule

/**
 * Runs the manifest's `stock_runner` bundle with ExecuTorch's own LLM runner ([LlmModule]): a
 * TextLLMRunner bundle for text presets, a MultimodalRunner bundle (one 384x384 image, no
 * tiling) for multimodal ones. The runner tokenizes with the artifacts' tokenizer.json itself.
 *
 * Decoupling: [encodeImage] prefills the chat template's prefix and the image into the KV cache
 * as soon as a picture is picked; [generate] then prefills only the question and decodes.
 *
 * Budget: the runner counts tokens, we do not. [generate] passes a seq_len of the positions
 * already filled plus max_new_tokens ([StockBudget]), so the runner stops after exactly that
 * many answer tokens; the filled positions are counted with the same tokenizer.json in Java.
 * Streamed pieces are not tokens (the JNI layer merges pieces of a multi-byte character), so the
 * token counts and the stop reason come from the runner's stats.
 */
class StockEngine(private val artifacts: ArtifactDir) : Engine {
  private val manifest = artifacts.manifest
  private val stock =
      manifest.stockRunner
          ?: throw ArtifactException("${artifacts.root}: the manifest has no stock_runner bundle")
  private val program = artifacts.file(stock.program).path
  private val tokenizerFile = artifacts.file(stock.tokenizer).path
  private val programs = LoadGroup()
  private val tokenizer: BpeTokenizer =
      programs.read(tokenizerFile) { BpeTokenizer.fromJson(File(tokenizerFile).readText()) }
  private val module: LlmModule =
      programs.open(program) {
        LlmModule(
            if (stock.takesImage) LlmModule.MODEL_TYPE_TEXT_VISION else LlmModule.MODEL_TYPE_TEXT,
            program,
            tokenizerFile,
            0.0f) // greedy, as `bluev run` defaults to
      }
  private val stopRequested = AtomicBoolean(false)

  /** Positions the KV cache holds after [encodeImage] (prefix + image), or 0 when none. */
  private var imagePositions = 0

  init {
    // Fail here, with the file named, rather than on the first question.
    programs.run(program) { module.load() }
  }

  override val takesImage: Boolean
    get() = stock.takesImage

  override val kind: String
    get() = Engines.STOCK

  /** The stock bundle sees one image: the whole picture fitted onto one tile, as the thumbnail. */
  override fun plan(width: Int, height: Int): ImagePlan? =
      if (stock.takesImage) BlueLmVLayout(singleTile(stock.imageSize)).plan(width, height) else null

  override fun encodeImage(picture: Picture, stats: Stats) {
    val plan = checkNotNull(plan(picture.width, picture.height)) {
      "${artifacts.root}: the ${manifest.preset} artifacts are text-only"
    }
    val size = stock.imageSize
    val pixels = Pixels.toChwBytes(TileRenderer.thumbnail(picture.bitmap, plan.tiles), size, size)
    val started = SystemClock.elapsedRealtimeNanos()
    module.resetContext()
    imagePositions = 0
    module.prefillPrompt(manifest.chatTemplate.prefix)
    module.prefillImages(IntArray(pixels.size) { pixels[it].toInt() and 0xff }, size, size, 3)
    // One image is tokens_per_tile embeddings (the bundle's vision_encoder output).
    imagePositions = count(manifest.chatTemplate.prefix) + imageTokens()
    stats.tiles = 1
    stats.imageEncodeMs = (SystemClock.elapsedRealtimeNanos() - started) / 1e6
  }

  override fun clearImage() {
    if (imagePositions > 0) module.resetContext()
    imagePositions = 0
  }

  override fun generate(prompt: String, maxNewTokens: Int, stats: Stats, onText: (String) -> Unit) {
    stopRequested.set(false)
    val afterImage = imagePositions
    val text: String
    if (afterImage > 0) {
      text = prompt + manifest.chatTemplate.suffix
    } else {
      module.resetContext()
      text = manifest.chatTemplate.render(prompt)
    }
    imagePositions = 0 // the cache now holds this turn; a new picture starts over
    val question = count(text)
    val seqLen = StockBudget.seqLen(afterImage + question, maxNewTokens, manifest.llm.maxSeqLen)
    val out = stats
    var reported = false
    var error: String? = null
    val callback =
        object : LlmCallback {
          override fun onResult(result: String) {
            if (!stopRequested.get()) onText(result)
          }

          override fun onStats(stats: String) {
            RunnerStats.fill(stats, out)
            reported = true
          }

          override fun onError(errorCode: Int, message: String) {
            error = "ExecuTorch error $errorCode: $message"
          }
        }
    try {
      module.generate(text, seqLen, callback, false)
    } catch (e: RuntimeException) {
      // The runner reports its reason through onError, then LlmModule throws a generic one.
      throw IllegalStateException("$program: ${error ?: LoadGroup.reason(e)}", e)
    }
    error?.let { throw IllegalStateException("$program: $it") }
    check(reported) { "$program: the runner reported no stats for the turn" }
    // prompt_tokens are the positions filled before decoding (prefix and image included).
    stats.stopReason =
        StockBudget.stopReason(
            stats.prefillTokens, stats.decodeTokens, maxNewTokens, manifest.llm.maxSeqLen,
            stopRequested.get())
    // The turn's prefill time covers the question only when the image was prefilled before.
    stats.prefillTokens = question
    stats.peakRssMb = Memory.peakRssMb()
  }

  override fun stop() {
    stopRequested.set(true)
    module.stop()
  }

  override fun close() {
    programs.close()
  }

  private fun count(text: String): Int = tokenizer.encode(text).size

  private fun imageTokens(): Int =
      manifest.vision?.tokensPerTile
          ?: throw IllegalStateException("${artifacts.root}: an image bundle without manifest.vision")

  private fun singleTile(size: Int): TilerConfig {
    val policy = manifest.vision?.tiler?.policy ?: "relaxed"
    return TilerConfig(policy, size, 0.0, 1, 1, null, false, 1)
  }
}
