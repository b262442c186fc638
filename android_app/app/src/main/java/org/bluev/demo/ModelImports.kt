package org.bluev.demo

import android.app.Application
import android.database.Cursor
import android.net.Uri
import android.os.SystemClock
import android.provider.OpenableColumns
import androidx.lifecycle.LiveData
import androidx.lifecycle.MutableLiveData
import java.io.File
import java.io.FileNotFoundException
import java.io.IOException
import java.util.concurrent.ExecutorService
import java.util.concurrent.Executors
import org.bluev.core.BundleLink
import org.bluev.core.HttpDownload
import org.bluev.core.InstallException
import org.bluev.core.InstallTask
import org.bluev.core.InstalledModel
import org.bluev.core.ModelInstaller

/**
 * The installed models and at most one import at a time (from a picked bundle, a picked folder
 * or a download), with its progress and Cancel, for the whole app process: leaving the Models
 * screen or rotating the phone does not stop an import, and coming back shows where it is. The
 * work runs on one background thread.
 */
class ModelImports private constructor(private val app: Application) {
  data class Progress(val title: String, val done: Long, val total: Long, val file: String)

  data class UiState(
      val models: List<InstalledModel> = emptyList(),
      val selected: File? = null,
      val progress: Progress? = null,
      val message: String = "",
  )

  private val lock = Any()
  private var latest = UiState()
  private val _state = MutableLiveData(UiState())
  val state: LiveData<UiState> = _state

  private val worker: ExecutorService =
      Executors.newSingleThreadExecutor { r -> Thread(r, "bluev-import").apply { isDaemon = true } }
  private val lister: ExecutorService =
      Executors.newSingleThreadExecutor { r -> Thread(r, "bluev-models").apply { isDaemon = true } }
  @Volatile private var task: InstallTask? = null

  init {
    worker.execute {
      // Half-built imports and half-deleted sets of an app that was killed: never a model.
      Models.store(app).removeLeftovers()
      refresh("")
    }
  }

  /** Lists the installed models again (another screen may have changed the selection). */
  fun reload() {
    // Not on the worker: it may be busy with an import for minutes; listing reads small files.
    lister.execute {
      val models = Models.store(app).list()
      update { it.copy(models = models, selected = Models.selected(app)) }
    }
  }

  /** A bundle picked with the system picker (ACTION_OPEN_DOCUMENT) or opened from a file app. */
  fun importBundle(uri: Uri) {
    start("importing the bundle") { t ->
      // Queried here, off the UI thread: a cloud drive's provider may ask its server.
      val name = displayName(uri)
      val size = documentSize(uri)
      val input =
          app.contentResolver.openInputStream(uri)
              ?: throw FileNotFoundException("$name: cannot be opened")
      input.use { Models.installer(app).fromBundle(it, size, name, null, t) }
    }
  }

  /** An artifact folder picked with the system picker (ACTION_OPEN_DOCUMENT_TREE). */
  fun importFolder(tree: Uri) {
    start("copying the folder") { t ->
      Models.installer(app).fromFolder(TreeFolder(app.contentResolver, tree), t)
    }
  }

  /** A typed or opened link: https://…/model.zip[#sha256=…], bluev://install?url=…&sha256=…. */
  fun download(text: String) {
    val link =
        try {
          BundleLink.parse(text)
        } catch (e: InstallException) {
          update { it.copy(message = e.message ?: "not a bundle link") }
          return
        }
    start("downloading ${HttpDownload.describe(link.url)}") { t ->
      Models.installer(app).download(link.url, link.sha256, HttpDownload.Options(), t)
    }
  }

  fun cancel() {
    task?.cancel()
    update { s -> s.copy(progress = s.progress?.copy(title = "cancelling…")) }
  }

  fun select(model: InstalledModel) {
    Models.select(app, model.dir)
    update { it.copy(selected = model.dir, message = "using ${model.summary()}") }
  }

  fun delete(model: InstalledModel) {
    worker.execute {
      try {
        Models.delete(app, model)
        refresh("deleted ${model.summary()}")
      } catch (e: IOException) {
        refresh("${model.dir}: not deleted (${e.message})")
      }
    }
  }

  /** Runs one import on the worker; its outcome becomes the message, and a new set is selected. */
  private fun start(title: String, run: (InstallTask) -> ModelInstaller.Result) {
    if (task != null) return // one at a time: the buttons are disabled while one runs
    var lastPost = 0L
    val t =
        InstallTask { done, total, file ->
          // The copy reports every 64 KiB; the screen needs a few updates a second.
          val now = SystemClock.elapsedRealtime()
          if (now - lastPost >= PROGRESS_MS || done == total) {
            lastPost = now
            update { it.copy(progress = Progress(title, done, total, file)) }
          }
        }
    task = t
    update { it.copy(progress = Progress(title, 0, -1, ""), message = "") }
    worker.execute {
      val message =
          try {
            val r = run(t)
            Models.select(app, r.model.dir) // a new model is the one to use
            (if (r.alreadyInstalled) "already installed: " else "installed: ") + r.model.summary()
          } catch (e: Exception) {
            Errors.message(e)
          } catch (e: OutOfMemoryError) {
            Errors.message(e)
          } finally {
            task = null
          }
      refresh(message)
    }
  }

  private fun refresh(message: String) {
    val models = Models.store(app).list()
    update {
      it.copy(models = models, selected = Models.selected(app), progress = null, message = message)
    }
  }

  private fun displayName(uri: Uri): String =
      query(uri, OpenableColumns.DISPLAY_NAME) { c -> c.getString(0) }
          ?: (uri.lastPathSegment ?: "bundle")

  /** The document's size for the free-space check, or -1 when its provider does not say. */
  private fun documentSize(uri: Uri): Long =
      query(uri, OpenableColumns.SIZE) { c -> c.getLong(0) } ?: -1L

  private fun <T> query(uri: Uri, column: String, read: (Cursor) -> T): T? =
      app.contentResolver.query(uri, arrayOf(column), null, null, null)?.use { c ->
        if (c.moveToFirst() && !c.isNull(0)) read(c) else null
      }

  private fun update(change: (UiState) -> UiState) {
    synchronized(lock) {
      latest = change(latest)
      _state.postValue(latest)
    }
  }

  companion object {
    private const val PROGRESS_MS = 200L
    @Volatile private var instance: ModelImports? = null

    fun get(app: Application): ModelImports =
        instance ?: synchronized(this) { instance ?: ModelImports(app).also { instance = it } }
  }
}
