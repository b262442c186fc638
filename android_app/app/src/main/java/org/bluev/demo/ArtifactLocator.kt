package org.bluev.demo

import android.content.Context
import java.io.File
import org.bluev.core.ArtifactException
import org.bluev.core.Manifest

/**
 * Finds the artifact directory the app uses. Artifacts are pushed with adb to
 * /data/local/tmp/bluev/<hash>/ (hash: first 16 hex digits of the sha256 of manifest.json, the
 * name `bluev bench adb` uses too) or copied into the app's own files dir, files/artifacts/.
 */
object ArtifactLocator {
  /** Where adb pushes artifacts; apps can read files there. */
  const val PUSH_ROOT = "/data/local/tmp/bluev"
  private const val PREFS = "artifacts"
  private const val KEY_LAST = "last_dir"

  fun appDir(context: Context): File = File(context.filesDir, "artifacts")

  /**
   * In order: [explicit] (the `artifact_dir` intent extra, remembered for later starts), the
   * directory used last time, the app's own copy, and the most recently pushed set under
   * [PUSH_ROOT] (listing it needs the directory to be world-readable, which `adb push` may not
   * make it: pass `artifact_dir` once when it is not).
   *
   * @throws ArtifactException naming the places it looked when none holds a manifest
   */
  fun find(context: Context, explicit: String?): File {
    val prefs = context.getSharedPreferences(PREFS, Context.MODE_PRIVATE)
    if (!explicit.isNullOrEmpty()) {
      val dir = File(explicit)
      if (!File(dir, Manifest.FILE_NAME).isFile) {
        throw ArtifactException("${dir.path}: no ${Manifest.FILE_NAME} (artifact_dir)")
      }
      prefs.edit().putString(KEY_LAST, dir.path).apply()
      return dir
    }
    val candidates = ArrayList<File>()
    prefs.getString(KEY_LAST, null)?.let { candidates.add(File(it)) }
    candidates.add(appDir(context))
    File(PUSH_ROOT)
        .listFiles()
        ?.filter { File(it, Manifest.FILE_NAME).isFile }
        ?.maxByOrNull { File(it, Manifest.FILE_NAME).lastModified() }
        ?.let { candidates.add(it) }
    return candidates.firstOrNull { File(it, Manifest.FILE_NAME).isFile }
        ?: throw ArtifactException(
            "no artifacts: push them with `adb push <artifacts>/. $PUSH_ROOT/<hash>/` and start " +
                "the app with --es artifact_dir $PUSH_ROOT/<hash>, or copy them to " +
                appDir(context).path)
  }
}
