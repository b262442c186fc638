package org.bluev.demo

import java.io.File
import org.bluev.core.ArtifactDir
import org.bluev.core.ArtifactException
import org.bluev.core.Backends
import org.bluev.core.Layouts
import org.bluev.core.ProgramData

/** Opens an artifact directory and the engine that runs it. */
object Engines {
  /** bluev's per-component programs with the tiler (the paper's pipeline): the default. */
  const val COMPONENTS = "components"

  /** The manifest's stock_runner bundle on ExecuTorch's own LlmModule (one image, no tiling). */
  const val STOCK = "stock"

  /**
   * Checks the manifest (format, version, the backends this build of the app carries, every
   * named file present, sha256 of the files [records] does not vouch for) and loads the
   * programs. The first open of a set hashes it (seconds per GB); later ones only compare sizes
   * and modification times. Blocks: call off the UI thread.
   *
   * @param records the app's directory of integrity records (see IntegrityRecord)
   * @throws ArtifactException with a one-line reason, naming the file, when the set cannot be used
   */
  fun open(dir: File, kind: String, records: File): Pair<ArtifactDir, Engine> {
    require(kind == COMPONENTS || kind == STOCK) { "engine '$kind': choose $COMPONENTS or $STOCK" }
    // Backends first: an NPU or Vulkan set is refused in a sentence before anything is hashed.
    val manifest = ArtifactDir.readManifest(dir)
    Backends.problem(manifest, kind == STOCK, BuildConfig.FLAVOR)?.let {
      throw ArtifactException("${dir.path}/$it")
    }
    // Module.load takes a .pte alone: a program whose weights are in a .ptd is refused here,
    // not at its first method inside ExecuTorch
    ProgramData.problem(manifest, kind == STOCK)?.let { throw ArtifactException("${dir.path}/$it") }
    if (kind == STOCK) {
      // A family's layout on the stock runner's one tile would answer, wrongly: refused.
      Layouts.stockProblem(manifest)?.let { throw ArtifactException("${dir.path}: $it") }
    }
    if (kind == STOCK && manifest.stockRunner == null) {
      throw ArtifactException(
          "$dir: the manifest has no stock_runner bundle; re-export without --no-stock-runner " +
              "or use the $COMPONENTS engine")
    }
    val artifacts = ArtifactDir.open(dir, records)
    // Each engine names the failing file itself and releases what it loaded before failing.
    val engine = if (kind == STOCK) StockEngine(artifacts) else ComponentEngine(artifacts)
    return artifacts to engine
  }

  /** The app's integrity records: private storage, so only the app can vouch for a set. */
  fun records(context: android.content.Context): File = File(context.filesDir, "integrity")
}
