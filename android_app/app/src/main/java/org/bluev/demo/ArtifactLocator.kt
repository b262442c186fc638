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
  /** Where adb pushes artifacts; readable by apps, writable by the shell user. */
  const val PUSH_ROOT = "/data/local/tmp/bluev"

  fun appDir(context: Context): File = File(context.filesDir, "artifacts")

  /**
   * The app's own copy when it has one, else the most recently pushed set under [PUSH_ROOT].
   *
   * @throws ArtifactException naming both places when neither holds a manifest
   */
  fun find(context: Context): File {
    val own = appDir(context)
    if (File(own, Manifest.FILE_NAME).isFile) return own
    val pushed =
        File(PUSH_ROOT)
            .listFiles()
            ?.filter { File(it, Manifest.FILE_NAME).isFile }
            ?.maxByOrNull { File(it, Manifest.FILE_NAME).lastModified() }
    return pushed
        ?: throw ArtifactException(
            "no artifacts: push them with `adb push <artifacts>/. $PUSH_ROOT/<hash>/` " +
                "or copy them to ${own.path}")
  }
}
