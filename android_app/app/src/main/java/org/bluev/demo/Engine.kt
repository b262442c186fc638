package org.bluev.demo

import java.io.Closeable
import org.bluev.core.Stats
import org.bluev.core.ImagePlan

/** What the UI and the benchmark need from a loaded model; one implementation per program layout. */
interface Engine : Closeable {
  /** True when the artifacts can take a picture. */
  val takesImage: Boolean

  /** "components" (bluev's tiled pipeline) or "stock" (ExecuTorch's LlmModule, one image). */
  val kind: String

  /**
   * The plan [encodeImage] will use for a picture of this full upright size (the manifest's
   * layout), or null when the artifacts take no image: the picture is decoded no larger than
   * this plan's tiles need.
   */
  fun plan(width: Int, height: Int): ImagePlan?

  /**
   * Encodes [picture] ahead of the question (the paper's decoupling: this runs while the user
   * types or speaks). Fills [stats]' tiles and image_encode_ms; blocks; call off the UI thread.
   */
  fun encodeImage(picture: Picture, stats: Stats)

  /** Forgets an encoded picture so the next question is text only. */
  fun clearImage()

  /**
   * Answers [prompt] about the encoded picture (if any), streaming text pieces to [onText].
   * Fills the prefill/decode/ttft/stop fields of [stats]. Blocks; call off the UI thread.
   */
  fun generate(prompt: String, maxNewTokens: Int, stats: Stats, onText: (String) -> Unit)

  /** Asks a running [generate] to stop after the current token; safe from any thread. */
  fun stop()
}
