package org.bluev.demo

import android.app.Application
import android.graphics.Bitmap
import android.net.Uri
import androidx.lifecycle.AndroidViewModel
import androidx.lifecycle.LiveData
import androidx.lifecycle.MutableLiveData
import androidx.lifecycle.SavedStateHandle
import java.io.File
import java.util.concurrent.ExecutorService
import java.util.concurrent.Executors
import org.bluev.core.ArtifactDir
import org.bluev.core.ArtifactException
import org.bluev.core.ImagePlan
import org.bluev.core.Layouts
import org.bluev.core.Stats

/**
 * The screen's state and its work. It outlives the activity across rotation, and every model
 * call runs on one background thread: ExecuTorch's modules are not reentrant, and one queue
 * makes "ask" wait exactly for the rest of a picture's encoding (the paper's decoupling: the
 * picture is encoded as soon as it is picked, while the question is still being typed).
 */
class ChatViewModel(app: Application, args: SavedStateHandle) : AndroidViewModel(app) {
  data class UiState(
      val status: String = "loading the model…",
      val picture: Bitmap? = null,
      val tiles: String? = null,
      val answer: String = "",
      val stats: String = "",
      val ready: Boolean = false,
      val generating: Boolean = false,
      /** The set has its own speech programs (used when the phone has no on-device recognizer). */
      val ownSpeech: Boolean = false,
      val listening: Boolean = false,
      /** The last transcript of the set's speech programs, for the question field. */
      val heard: String? = null,
  )

  // postValue may drop intermediate values; each update starts from the latest one posted.
  // Declared before init: the worker may post while the constructor is still running.
  private val lock = Any()
  private var latest = UiState()

  private val _state = MutableLiveData(UiState())
  val state: LiveData<UiState> = _state

  private val worker: ExecutorService = Executors.newSingleThreadExecutor { r ->
    Thread(r, "bluev-model").apply { priority = Thread.MAX_PRIORITY }
  }

  // Touched only on the worker thread.
  private var artifacts: ArtifactDir? = null
  private var engine: Engine? = null
  private var imageStats: Stats? = null

  private val engineKind = args.get<String>("engine") ?: Engines.COMPONENTS

  // The spoken question: recorded on its own thread, transcribed on another, so the picture
  // goes on encoding on the worker meanwhile (the paper's parallel audio and image paths).
  private val speechWorker: ExecutorService = Executors.newSingleThreadExecutor { r -> Thread(r, "bluev-speech") }
  private var speechEngine: SpeechEngine? = null // touched only on speechWorker
  @Volatile private var recorder: SpeechRecorder? = null

  // Read from the UI thread by stop(); the engine's stop is thread-safe.
  @Volatile private var running: Engine? = null

  // The set last opened or tried (touched only on the worker): Models may change the choice.
  private var tried: File? = null

  init {
    // The default ViewModel factory fills `args` with the launching intent's extras:
    // `adb shell am start -n org.bluev.demo/.MainActivity --es artifact_dir <dir>
    //  [--es engine stock]`.
    worker.execute { load(args.get<String>("artifact_dir")) }
  }

  /**
   * Follows a change made on the Models screen (another set chosen, one installed or deleted):
   * the new set is opened in place of the old. Nothing happens when the choice is the same.
   */
  fun reloadIfChanged() {
    worker.execute {
      val wanted =
          try {
            ArtifactLocator.find(getApplication<Application>(), null)
          } catch (e: ArtifactException) {
            null
          }
      if (wanted != null && wanted == tried) return@execute
      if (wanted == null && tried == null) return@execute
      engine?.close()
      engine = null
      artifacts = null
      imageStats = null
      update { UiState() }
      load(null)
    }
  }

  private fun load(explicit: String?) {
    attempt {
      val app = getApplication<Application>()
      tried = null
      val found = ArtifactLocator.find(app, explicit)
      tried = found
      update { it.copy(status = "checking ${found.path}…") }
      val (dir, eng) = Engines.open(found, engineKind, Engines.records(app))
      artifacts = dir
      engine = eng
      val m = dir.manifest
      speechWorker.execute {
        speechEngine?.close()
        speechEngine = null
      }
      update { it.copy(ownSpeech = m.hasSpeech()) }
      // Integrity is hashed once per set; say which start did it (it takes seconds per GB).
      val checked =
          if (dir.hashed.isEmpty()) "files unchanged since checked"
          else "checked ${dir.hashed.size} file(s)"
      update {
        it.copy(
            status =
                "${m.preset} (${m.llmBackend()}, ${eng.kind} engine, app build " +
                    "${BuildConfig.FLAVOR}) from ${dir.root.path}; $checked" +
                    if (eng.takesImage) "" else " — text only",
            ready = true)
      }
    }
  }

  /** A picture was picked: decode it and start encoding it right away, in the background. */
  fun onPicture(uri: Uri) {
    worker.execute {
      attempt {
        val eng = engine ?: throw IllegalStateException(current().status)
        // Decoded no larger than the engine's tile plan needs (planned from the header's size).
        val picture = PictureLoader.load(getApplication<Application>().contentResolver, uri, eng::plan)
        val plan = layoutPlan(picture)
        val shown = preview(picture.bitmap).let { p -> if (plan != null) GridOverlay.draw(p, plan.tiles) else p }
        update { it.copy(picture = shown, tiles = describeTiles(picture), stats = "") }
        if (!eng.takesImage) {
          update { it.copy(tiles = "these artifacts are text-only: the picture is not used") }
          return@attempt
        }
        update { it.copy(status = "encoding the picture…") }
        val stats = Stats()
        eng.encodeImage(picture, stats)
        imageStats = stats
        update {
          it.copy(
              status = "picture encoded in ${"%.0f".format(stats.imageEncodeMs)} ms; ask away",
              stats = "${stats.tiles} image(s), encode ${"%.0f".format(stats.imageEncodeMs)} ms")
        }
      }
    }
  }

  fun ask(question: String) {
    if (question.isBlank()) return
    update { it.copy(answer = "", generating = true) }
    worker.execute {
      attempt {
        val eng = engine ?: throw IllegalStateException(current().status)
        // The picture's stats belong to the first question after it; later questions are text.
        val stats = Stats()
        imageStats?.let {
          stats.tiles = it.tiles
          stats.imageEncodeMs = it.imageEncodeMs
        }
        imageStats = null
        val answer = StringBuilder()
        update { it.copy(status = "thinking…") }
        running = eng
        try {
          eng.generate(question, MAX_NEW_TOKENS, stats) { piece ->
            answer.append(piece)
            update { it.copy(answer = answer.toString()) }
          }
        } finally {
          running = null
        }
        update { it.copy(status = "done (${stats.stopReason})", stats = stats.summaryLine()) }
      }
      update { it.copy(generating = false) }
    }
  }

  /**
   * Starts recording a spoken question for the set's own speech programs, or ends the running
   * recording; its transcript arrives as [UiState.heard]. Needs the microphone permission.
   */
  fun toggleListening() {
    recorder?.let {
      it.stop()
      return
    }
    val dir = artifacts ?: return
    val speech = dir.manifest.speech ?: return
    val rec = SpeechRecorder(speech.samplingRate, speech.nSamples / speech.samplingRate)
    recorder = rec
    update { it.copy(listening = true, status = "listening… tap again when done") }
    speechWorker.execute {
      attempt {
        try {
          val samples = rec.record()
          update { it.copy(status = "transcribing…") }
          val own = speechEngine ?: SpeechEngine(dir).also { speechEngine = it }
          val heard = own.transcribe(samples, speech.samplingRate)
          update {
            it.copy(
                heard = heard.text,
                status = "heard you (${heard.tokens} tokens, ${"%.0f".format(heard.transcribeMs)} ms)")
          }
        } finally {
          recorder = null
          update { it.copy(listening = false) }
        }
      }
    }
  }

  fun stop() {
    running?.stop()
  }

  override fun onCleared() {
    running?.stop()
    recorder?.stop()
    worker.execute { engine?.close() }
    worker.shutdown()
    speechWorker.execute { speechEngine?.close() }
    speechWorker.shutdown()
  }

  /** The manifest's layout's plan of the picture (bluev's tiler or the family's), or null. */
  private fun layoutPlan(picture: Picture): ImagePlan? {
    val manifest = artifacts?.manifest ?: return null
    if (manifest.vision == null) return null
    return Layouts.forPlanning(manifest).plan(picture.width, picture.height)
  }

  /** What the manifest's layout makes of the picture, and what this engine encodes. */
  private fun describeTiles(picture: Picture): String {
    val size =
        "${picture.width}x${picture.height}" +
            if (picture.sample > 1) " (decoded at 1/${picture.sample})" else ""
    val vision = artifacts?.manifest?.vision ?: return size
    val plan = layoutPlan(picture) ?: return size
    val tiles = plan.tiles
    val first = plan.encoderOrder.firstOrNull { it != "tile" }
    val grid =
        "$size: ${tiles.policy} grid ${tiles.columns}:${tiles.rows}" +
            (if (first != null) " + $first image" else "") + ", ${plan.imageTokens()} image tokens"
    return if (engine?.kind == Engines.STOCK) {
      "$grid in bluev's pipeline; the stock runner encodes 1 image of ${vision.imageSize}x${vision.imageSize}"
    } else grid
  }

  /** A screen-sized copy: a 64 MP photo is too large for an ImageView to draw. */
  private fun preview(picture: Bitmap): Bitmap {
    val scale = PREVIEW_EDGE.toFloat() / maxOf(picture.width, picture.height)
    if (scale >= 1f) return picture
    return Bitmap.createScaledBitmap(
        picture, (picture.width * scale).toInt().coerceAtLeast(1),
        (picture.height * scale).toInt().coerceAtLeast(1), true)
  }

  private fun current(): UiState = synchronized(lock) { latest }

  /** Runs a step; any failure, out-of-memory included, becomes the status line. */
  private inline fun attempt(step: () -> Unit) {
    try {
      step()
    } catch (t: Throwable) {
      if (t is VirtualMachineError && t !is OutOfMemoryError) throw t
      update { it.copy(status = Errors.message(t)) }
    }
  }

  private fun update(change: (UiState) -> UiState) {
    synchronized(lock) {
      latest = change(latest)
      _state.postValue(latest)
    }
  }

  companion object {
    const val MAX_NEW_TOKENS = 256
    const val PREVIEW_EDGE = 1024
  }
}
