package org.bluev.demo

import android.app.AlertDialog
import android.content.Intent
import android.net.Uri
import android.os.Bundle
import android.view.LayoutInflater
import android.view.View
import android.view.WindowManager
import android.widget.Button
import android.widget.EditText
import android.widget.LinearLayout
import android.widget.ProgressBar
import android.widget.TextView
import androidx.activity.result.contract.ActivityResultContracts
import androidx.appcompat.app.AppCompatActivity
import org.bluev.core.InstalledModel

/**
 * Install a model without adb: pick a bundle (.zip from `bluev bundle`) or an artifact folder
 * with the system picker, or download a bundle from an https link; see the installed models
 * (preset, backend, family, size), choose the one to use, delete one. Also opened by links:
 * `bluev://install?url=…&sha256=…` fills in the download, a zip opened from a file app is
 * imported.
 */
class ModelsActivity : AppCompatActivity() {
  private val model by lazy { ModelImports.get(application) }

  private val pickBundle =
      registerForActivityResult(ActivityResultContracts.OpenDocument()) { uri ->
        uri?.let(model::importBundle)
      }
  private val pickFolder =
      registerForActivityResult(ActivityResultContracts.OpenDocumentTree()) { uri ->
        uri?.let(model::importFolder)
      }

  override fun onCreate(savedInstanceState: Bundle?) {
    super.onCreate(savedInstanceState)
    setContentView(R.layout.activity_models)
    val message = findViewById<TextView>(R.id.models_message)
    val list = findViewById<LinearLayout>(R.id.models_list)
    val progress = findViewById<ProgressBar>(R.id.import_progress)
    val progressText = findViewById<TextView>(R.id.import_progress_text)
    val cancel = findViewById<Button>(R.id.import_cancel)
    val url = findViewById<EditText>(R.id.download_url)
    val importZip = findViewById<Button>(R.id.import_zip)
    val importFolder = findViewById<Button>(R.id.import_folder)
    val download = findViewById<Button>(R.id.download)

    importZip.setOnClickListener { pickBundle.launch(BUNDLE_TYPES) }
    importFolder.setOnClickListener { pickFolder.launch(null) }
    download.setOnClickListener { model.download(url.text.toString()) }
    cancel.setOnClickListener { model.cancel() }
    if (savedInstanceState == null) handleLink(intent, url)

    model.state.observe(this) { s ->
      message.text = s.message
      showModels(list, s)
      val p = s.progress
      val busy = p != null
      val shown = if (busy) View.VISIBLE else View.GONE
      for (v in listOf(progress, progressText, cancel)) v.visibility = shown
      importZip.isEnabled = !busy
      importFolder.isEnabled = !busy
      download.isEnabled = !busy
      if (p != null) {
        progress.isIndeterminate = p.total <= 0
        if (p.total > 0) progress.progress = (PROGRESS_STEPS * p.done / p.total).toInt()
        val of = if (p.total > 0) " of ${InstalledModel.megabytes(p.total)}" else ""
        progressText.text = "${p.title}: ${InstalledModel.megabytes(p.done)}$of ${p.file}"
        window.addFlags(WindowManager.LayoutParams.FLAG_KEEP_SCREEN_ON) // no sleep mid-copy
      } else {
        window.clearFlags(WindowManager.LayoutParams.FLAG_KEEP_SCREEN_ON)
      }
    }
    progress.max = PROGRESS_STEPS
  }

  override fun onResume() {
    super.onResume()
    model.reload() // the chat screen may have changed which set is in use
  }

  /** A bluev:// link fills in the download (the user starts it); a zip from a file app imports. */
  private fun handleLink(intent: Intent, url: EditText) {
    if (intent.action != Intent.ACTION_VIEW) return
    val data: Uri = intent.data ?: return
    if (data.scheme == "content") {
      model.importBundle(data)
    } else {
      url.setText(data.toString())
    }
  }

  /** One row per installed set: what it is, Use, Delete (after a confirmation). */
  private fun showModels(list: LinearLayout, s: ModelImports.UiState) {
    list.removeAllViews()
    if (s.models.isEmpty()) {
      val empty = LayoutInflater.from(this).inflate(R.layout.item_model, list, false)
      empty.findViewById<TextView>(R.id.model_summary).text = getString(R.string.no_models)
      empty.findViewById<Button>(R.id.model_use).visibility = View.GONE
      empty.findViewById<Button>(R.id.model_delete).visibility = View.GONE
      list.addView(empty)
      return
    }
    for (m in s.models) {
      val row = LayoutInflater.from(this).inflate(R.layout.item_model, list, false)
      val inUse = m.dir == s.selected
      row.findViewById<TextView>(R.id.model_summary).text =
          m.summary() + if (inUse) getString(R.string.model_in_use) else ""
      val use = row.findViewById<Button>(R.id.model_use)
      use.isEnabled = !inUse && m.manifest != null
      use.setOnClickListener { model.select(m) }
      row.findViewById<Button>(R.id.model_delete).setOnClickListener { confirmDelete(m) }
      list.addView(row)
    }
  }

  private fun confirmDelete(m: InstalledModel) {
    AlertDialog.Builder(this)
        .setTitle(R.string.delete_model_title)
        .setMessage(m.summary())
        .setPositiveButton(R.string.delete) { _, _ -> model.delete(m) }
        .setNegativeButton(R.string.keep, null)
        .show()
  }

  private companion object {
    const val PROGRESS_STEPS = 1000
    // Bundles are zips; some file providers label them as generic binaries.
    val BUNDLE_TYPES =
        arrayOf("application/zip", "application/x-zip-compressed", "application/octet-stream")
  }
}
