// Compile-only stub for `make android-kotlin`: ExecuTorch Android (org.pytorch:executorch-android
// 1.5.x), only the members the app calls, their overloads and default arguments copied from the
// library's Kotlin sources (extension/android/executorch_android/src/main/java/org/pytorch/
// executorch/), identical at tag v1.4.1 and main at 1.5.0 (cff6f4dd32) for these members.
package org.pytorch.executorch.extension.llm

import java.io.Closeable

@Suppress("UNUSED_PARAMETER")
class LlmModule private constructor(unused: Unit) : Closeable {
  constructor(
      modelType: Int,
      modulePath: String,
      tokenizerPath: String,
      temperature: Float,
      dataFiles: List<String>,
      numBos: Int,
      numEos: Int,
  ) : this(Unit)

  constructor(
      modelType: Int,
      modulePath: String,
      tokenizerPath: String,
      temperature: Float,
      dataFiles: List<String>,
  ) : this(Unit)

  constructor(
      modelType: Int,
      modulePath: String,
      tokenizerPath: String,
      temperature: Float,
      dataPath: String?,
      numBos: Int,
      numEos: Int,
  ) : this(Unit)

  constructor(
      modelType: Int,
      modulePath: String,
      tokenizerPath: String,
      temperature: Float,
      dataPath: String?,
  ) : this(Unit)

  constructor(modulePath: String, tokenizerPath: String, temperature: Float) : this(Unit)

  constructor(
      modulePath: String,
      tokenizerPath: String,
      temperature: Float,
      dataPath: String,
  ) : this(Unit)

  constructor(
      modelType: Int,
      modulePath: String,
      tokenizerPath: String,
      temperature: Float,
  ) : this(Unit)

  override fun close() {}

  fun generate(prompt: String, llmCallback: LlmCallback) {}

  fun generate(prompt: String, seqLen: Int, llmCallback: LlmCallback) {}

  fun generate(prompt: String, llmCallback: LlmCallback, echo: Boolean) {}

  fun generate(prompt: String, seqLen: Int, llmCallback: LlmCallback, echo: Boolean) {}

  fun generate(
      prompt: String,
      seqLen: Int,
      llmCallback: LlmCallback,
      echo: Boolean,
      temperature: Float,
      numBos: Int,
      numEos: Int,
  ) {}

  fun prefillImages(image: IntArray, width: Int, height: Int, channels: Int) {}

  fun prefillImages(image: FloatArray, width: Int, height: Int, channels: Int) {}

  fun prefillPrompt(prompt: String) {}

  fun resetContext() {}

  fun stop() {}

  fun load() {}

  companion object {
    const val MODEL_TYPE_TEXT = 1
    const val MODEL_TYPE_TEXT_VISION = 2
    const val MODEL_TYPE_MULTIMODAL = 2
  }
}
