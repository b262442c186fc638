package org.bluev.demo

import android.content.Context
import java.io.File
import org.bluev.core.ArtifactException
import org.bluev.core.Manifest

/**
 * Finds the artifact directory the app uses. End users install sets in the app (Models screen:
 * files/models/<hash>/); developers push them with adb to /data/local/tmp/bluev/<hash>/ (hash:
 * first 16 hex digits of the sha256 of manifest.json, the name `bluev bench adb` uses too) or
 * copy them into the app's own files dir, files/artifacts/.
 */
object ArtifactLocator {
  /** Where adb pushes artifacts; apps can read files there. */
  const val PUSH_ROOT = "/data/local/tmp/bluev"
  private const val PREFS = "artifacts"
  private const val KEY_LAST = "last_dir"

  fun appDir(context: Context): File = File(context.filesDir, "artifacts")

  /**
   * In order: [explicit] (the `artifact_dir` intent extra, remembered for later starts), the
   * directory used or chosen last time, the newest model installed in the app, the app's own
   * copy, and the most recently pushed set under [PUSH_ROOT] (listing it needs the directory to
   * be world-readable, which `adb push` may not make it: pass `artifact_dir` once when it is not).
   *
   * @throws ArtifactException saying how to install a model when none is found
   */
  fun find(context: Context, explicit: String?): File {
    if (!explicit.isNullOrEmpty()) {
      val dir = File(explicit)
      if (!File(dir, Manifest.FILE_NAME).isFile) {
        throw ArtifactException("${dir.path}: no ${Manifest.FILE_NAME} (artifact_dir)")
      }
      remember(context, dir)
      return dir
    }
    val candidates = ArrayList<File>()
    last(context)?.let { candidates.add(it) }
    Models.store(context).list().firstOrNull { it.manifest != null }?.let { candidates.add(it.dir) }
    candidates.add(appDir(context))
    File(PUSH_ROOT)
        .listFiles()
        ?.filter { File(it, Manifest.FILE_NAME).isFile }
        ?.maxByOrNull { File(it, Manifest.FILE_NAME).lastModified() }
        ?.let { candidates.add(it) }
    return candidates.firstOrNull { File(it, Manifest.FILE_NAME).isFile }
        ?: throw ArtifactException(
            "no model installed: tap Models to import a bundle (.zip), an artifact folder or a " +
                "download link (developers: adb push to $PUSH_ROOT/<hash>/, see " +
                "android_app/README.md)")
  }

  /** The directory used or chosen last, if any. */
  fun last(context: Context): File? = prefs(context).getString(KEY_LAST, null)?.let { File(it) }

  fun remember(context: Context, dir: File) {
    prefs(context).edit().putString(KEY_LAST, dir.path).apply()
  }

  fun forget(context: Context) {
    prefs(context).edit().remove(KEY_LAST).apply()
  }

  private fun prefs(context: Context) = context.getSharedPreferences(PREFS, Context.MODE_PRIVATE)
}
