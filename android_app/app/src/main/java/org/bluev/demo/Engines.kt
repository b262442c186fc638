package org.bluev.demo

import java.io.File
import org.bluev.core.ArtifactDir
import org.bluev.core.ArtifactException
import org.bluev.core.JsonException

/** Opens an artifact directory and the engine that runs it. */
object Engines {
  /** bluev's per-component programs with the tiler (the paper's pipeline): the default. */
  const val COMPONENTS = "components"

  /** The manifest's stock_runner bundle on ExecuTorch's own LlmModule (one image, no tiling). */
  const val STOCK = "stock"

  /**
   * Checks the manifest (format, version, every named file present, sha256 when [verifyHashes])
   * and loads the programs. Blocks for seconds (hashing, loading): call off the UI thread.
   *
   * @throws ArtifactException with a one-line reason when the directory cannot be used
   */
  fun open(dir: File, kind: String = COMPONENTS, verifyHashes: Boolean = true): Pair<ArtifactDir, Engine> {
    val artifacts = ArtifactDir.open(dir, verifyHashes)
    val manifest = artifacts.manifest
    val engine =
        try {
          when (kind) {
            COMPONENTS -> ComponentEngine(artifacts)
            STOCK -> {
              if (manifest.stockRunner == null) {
                throw ArtifactException(
                    "${artifacts.root}: the manifest has no stock_runner bundle; re-export " +
                        "without --no-stock-runner or use the $COMPONENTS engine")
              }
              StockEngine(artifacts)
            }
            else -> throw IllegalArgumentException("engine '$kind': choose $COMPONENTS or $STOCK")
          }
        } catch (e: JsonException) {
          throw ArtifactException("${artifacts.file(manifest.tokenizerFile)}: ${e.message}")
        } catch (e: java.io.IOException) {
          throw ArtifactException("${artifacts.root}: unreadable (${e.message})")
        } catch (e: RuntimeException) {
          if (e is IllegalArgumentException) throw e
          // ExecuTorch reports load failures as RuntimeExceptions (ExecutorchRuntimeException).
          throw ArtifactException("${artifacts.root}: ExecuTorch could not load the programs (${e.message})")
        }
    return artifacts to engine
  }
}
