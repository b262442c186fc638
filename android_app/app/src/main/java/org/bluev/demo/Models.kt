package org.bluev.demo

import android.content.Context
import java.io.File
import org.bluev.core.FreeSpace
import org.bluev.core.InstalledModel
import org.bluev.core.IntegrityRecord
import org.bluev.core.ModelInstaller
import org.bluev.core.ModelStore

/**
 * The models the user installed in the app (no adb): files/models/<hash>/, one folder per
 * artifact set, imported from a bundle, a folder or a download (ModelsActivity), and which one
 * the chat screen uses.
 */
object Models {
  fun store(context: Context): ModelStore = ModelStore(File(context.filesDir, "models"))

  /** Verifies while copying, refuses sets this build cannot run, writes their integrity records. */
  fun installer(context: Context): ModelInstaller =
      ModelInstaller(store(context), FreeSpace.DISK, Engines.records(context), BuildConfig.FLAVOR)

  /** The set the chat screen should open, or null for "whatever ArtifactLocator finds". */
  fun selected(context: Context): File? = ArtifactLocator.last(context)

  fun select(context: Context, dir: File) = ArtifactLocator.remember(context, dir)

  /** Deletes a set and its integrity record; if it was selected, the selection is cleared. */
  fun delete(context: Context, model: InstalledModel) {
    if (selected(context) == model.dir) ArtifactLocator.forget(context)
    store(context).delete(model)
    IntegrityRecord.load(Engines.records(context), model.dir).file().delete()
  }
}
