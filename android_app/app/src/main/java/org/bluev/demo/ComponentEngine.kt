package org.bluev.demo

import android.os.SystemClock
import java.io.File
import java.util.concurrent.atomic.AtomicBoolean
import org.bluev.core.ArtifactDir
import org.bluev.core.ArtifactException
import org.bluev.core.BpeTokenizer
import org.bluev.core.ImagePlan
import org.bluev.core.Layout
import org.bluev.core.Layouts
import org.bluev.core.LoadGroup
import org.bluev.core.Pixels
import org.bluev.core.PromptIds
import org.bluev.core.PromptPlan
import org.bluev.core.Stats
import org.bluev.core.StreamDecoder
import org.pytorch.executorch.EValue
import org.pytorch.executorch.Module
import org.pytorch.executorch.Tensor

/**
 * bluev's own pipeline on the per-component programs, as runtime/pipeline.py runs it on the
 * host: the manifest's layout ([Layouts]: bluev's tiler, or a family's, e.g. LLaVA-OneVision's
 * anyres) plans the picture's tiles (+ thumbnail or base image), vision_encoder.pte encodes them
 * in batches of `vision.max_batch`, projector.pte maps them to features that the layout packs
 * into the image's LLM embeddings (LLaVA: unpadded, shrunk, a newline after each row), and
 * llm.pte embeds the prompt's ids as the layout places them ([PromptIds]: spliced after the
 * template's prefix, or the family's image token once per embedding), prefills them in chunks of
 * `llm.chunk_size` (`llm.methods.prefill`) and decodes greedily (`llm.methods.decode`, which may
 * be the prefill method itself: then one loaded method, hence one KV cache, serves both).
 *
 * Decoupling: [encodeImage] runs the vision encoder and projector when the picture is picked;
 * [generate] only runs the LLM.
 *
 * Loading is all or nothing ([LoadGroup]): when a program fails to load, the ones loaded before
 * it are destroyed, and the error names the file and ExecuTorch's reason.
 */
class ComponentEngine(private val artifacts: ArtifactDir) : Engine {
  private val manifest = artifacts.manifest
  private val llm = manifest.llm
  private val embedMethod: String =
      llm.embedMethod
          ?: throw ArtifactException(
              "${path("llm")}: the LLM has no embed method (an NPU set); run it with bluev-runner")
  private val programs = LoadGroup()
  private val tokenizerFile = artifacts.file(manifest.tokenizerFile).path
  private val tokenizer: BpeTokenizer =
      programs.read(tokenizerFile) { BpeTokenizer.fromJson(File(tokenizerFile).readText()) }
  // mmap: weights are paged in from the file instead of copied into the heap, which keeps a
  // multi-GB LLM within reach of a phone's memory.
  private val llmModule: Module = load("llm")
  private val visionModule: Module? = if (manifest.multimodal()) load("vision_encoder") else null
  private val projectorModule: Module? = if (manifest.multimodal()) load("projector") else null
  private val eos: Set<Long> = manifest.eosIds.toSet()
  private val stopRequested = AtomicBoolean(false)
  /** The manifest's image layout (null for text-only sets); LLaVA's reads its image_newline file. */
  private val layout: Layout? =
      if (!manifest.multimodal()) null
      else {
        // A bad image_newline file is named by Layouts ("<root>: image_newline.bin: N bytes, ...").
        val newline = manifest.layout.anyres?.newline?.file?.let { artifacts.file(it) }
        programs.read(artifacts.root.path) { Layouts.open(manifest, newline?.readBytes()) }
      }
  private val rescale: FloatArray? =
      manifest.layout?.processor?.let { Pixels.rescaleTable(it.rescaleFactor, it.rescaleDtype) }

  /** The image's LLM embeddings [tokens * dim] and their plan, waiting for the next question. */
  private var image: Pair<ImagePlan, FloatArray>? = null

  init {
    // Load the methods now, so a bad program fails at open time with its file named.
    programs.run(path("llm")) {
      llmModule.loadMethod(embedMethod)
      llmModule.loadMethod(llm.prefillMethod)
      if (!llm.decodeSharesPrefill()) llmModule.loadMethod(llm.decodeMethod)
    }
    visionModule?.let { m -> programs.run(path("vision_encoder")) { m.loadMethod("forward") } }
    projectorModule?.let { m -> programs.run(path("projector")) { m.loadMethod("forward") } }
  }

  override val takesImage: Boolean
    get() = visionModule != null

  override val kind: String
    get() = Engines.COMPONENTS

  override fun plan(width: Int, height: Int): ImagePlan? =
      if (visionModule == null) null else layout?.plan(width, height)

  override fun encodeImage(picture: Picture, stats: Stats) {
    val vision = checkNotNull(manifest.vision) { "${artifacts.root}: the artifacts are text-only" }
    val encoder = checkNotNull(visionModule)
    val projector = checkNotNull(projectorModule)
    val layout = checkNotNull(layout)
    val table = checkNotNull(rescale)
    val started = SystemClock.elapsedRealtimeNanos()
    // The plan of the full-size photo, as the host makes it; the tiles come from the smaller bitmap.
    val plan = layout.plan(picture.width, picture.height)
    val tiles = TileRenderer.tiles(picture.bitmap, plan)
    val size = vision.tiler.tileSize
    val perTile = plan.tokensPerImage * llm.dim
    val out = FloatArray(tiles.size * perTile)
    var first = 0
    while (first < tiles.size) {
      val batch = minOf(vision.maxBatch, tiles.size - first)
      // A fixed-batch program (Vulkan, NPU) takes max_batch tiles: zero tiles pad a short
      // batch, and their outputs are dropped below.
      val rows = if (vision.fixedBatch) vision.maxBatch else batch
      val pixels = FloatArray(rows * 3 * size * size)
      for (b in 0 until batch) {
        Pixels.normalizeInto(tiles[first + b], size, table, vision.mean, vision.std, pixels, b)
      }
      val input = Tensor.fromBlob(pixels, longArrayOf(rows.toLong(), 3, size.toLong(), size.toLong()))
      val features = encoder.forward(EValue.from(input))[0]
      val projected = projector.forward(features)[0].toTensor().dataAsFloatArray
      check(projected.size == rows * perTile) {
        "projector returned ${projected.size} floats for $rows tiles, expected ${rows * perTile}"
      }
      System.arraycopy(projected, 0, out, first * perTile, batch * perTile)
      first += batch
    }
    image = plan to layout.pack(plan, out, llm.dim)
    stats.tiles = plan.imagesToEncode()
    stats.imageEncodeMs = (SystemClock.elapsedRealtimeNanos() - started) / 1e6
  }

  override fun clearImage() {
    image = null
  }

  override fun generate(prompt: String, maxNewTokens: Int, stats: Stats, onText: (String) -> Unit) {
    stopRequested.set(false)
    val picture = image
    image = null // one picture per question, as `bluev run`
    val turn = PromptIds.build(tokenizer, manifest, layout, prompt, picture?.first)
    val plan =
        PromptPlan.of(turn.ids.size, turn.imagePositions, llm.chunkSize, llm.maxSeqLen, maxNewTokens)
    val t0 = SystemClock.elapsedRealtimeNanos()

    // The prompt as one [prompt * dim] float sequence: text runs embedded from their ids, image
    // runs filled with the image's embeddings in order.
    val embeds = FloatArray(plan.promptTokens * llm.dim)
    var imageFilled = 0
    for (part in plan.parts) {
      val values =
          if (part.kind == "image") {
            val embeddings = checkNotNull(picture).second
            embeddings.copyOfRange(imageFilled * llm.dim, (imageFilled + part.length) * llm.dim).also {
              imageFilled += part.length
            }
          } else embed(turn.ids.subList(part.start, part.start + part.length))
      System.arraycopy(values, 0, embeds, part.start * llm.dim, values.size)
    }

    var logits = FloatArray(0)
    for (i in plan.chunkStarts.indices) {
      val start = plan.chunkStarts[i]
      val len = plan.chunkLength(i)
      val chunk = embeds.copyOfRange(start * llm.dim, (start + len) * llm.dim)
      logits = step(llm.prefillMethod, chunk, len, start)
    }
    stats.prefillTokens = plan.promptTokens
    stats.prefillMs = (SystemClock.elapsedRealtimeNanos() - t0) / 1e6
    var token = argmax(logits)
    stats.ttftMs = (SystemClock.elapsedRealtimeNanos() - t0) / 1e6

    val stream = StreamDecoder(tokenizer)
    stats.stopReason = plan.stopWithoutEos
    val decodeStart = SystemClock.elapsedRealtimeNanos()
    var pos = plan.promptTokens
    for (n in 0 until plan.budget) {
      if (token.toLong() in eos) {
        stats.stopReason = "eos"
        break
      }
      if (stopRequested.get()) {
        stats.stopReason = "stopped"
        break
      }
      val piece = stream.push(token)
      if (piece.isNotEmpty()) onText(piece)
      if (n == plan.budget - 1) break
      logits = step(llm.decodeMethod, embed(listOf(token)), 1, pos)
      stats.decodeTokens += 1
      pos += 1
      token = argmax(logits)
    }
    stats.decodeMs = (SystemClock.elapsedRealtimeNanos() - decodeStart) / 1e6
    stats.peakRssMb = Memory.peakRssMb()
  }

  override fun stop() {
    stopRequested.set(true)
  }

  override fun close() {
    programs.close() // destroys every module, last loaded first
  }

  private fun path(component: String): String =
      artifacts.file(manifest.components.getValue(component).file).path

  private fun load(component: String): Module {
    val file = path(component)
    // a program with a data file (.ptd) never gets here: Engines.open refused it (ProgramData)
    return programs.open(file) { Module.load(file, Module.LOAD_MODE_MMAP) }
  }

  /** `llm.methods.embed`: ids [1, T] int64 -> embeddings [1, T, dim] float32. */
  private fun embed(ids: List<Int>): FloatArray {
    val tokens = LongArray(ids.size) { ids[it].toLong() }
    val input = Tensor.fromBlob(tokens, longArrayOf(1, tokens.size.toLong()))
    return llmModule.execute(embedMethod, EValue.from(input))[0].toTensor().dataAsFloatArray
  }

  /** One prefill/decode call: embeddings [1, len, dim] at [startPos] -> last logits [1, vocab]. */
  private fun step(method: String, embeds: FloatArray, len: Int, startPos: Int): FloatArray {
    val x = Tensor.fromBlob(embeds, longArrayOf(1, len.toLong(), llm.dim.toLong()))
    val pos = Tensor.fromBlob(longArrayOf(startPos.toLong()), longArrayOf(1))
    return llmModule.execute(method, EValue.from(x), EValue.from(pos))[0].toTensor().dataAsFloatArray
  }

  private fun argmax(logits: FloatArray): Int {
    var best = 0
    for (i in 1 until logits.size) if (logits[i] > logits[best]) best = i
    return best
  }
}
