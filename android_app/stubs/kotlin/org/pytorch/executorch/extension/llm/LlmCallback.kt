// Compile-only stub for `make android-kotlin`: ExecuTorch Android (org.pytorch:executorch-android
// 1.5.x), only the members the app calls, their overloads and default arguments copied from the
// library's Kotlin sources (extension/android/executorch_android/src/main/java/org/pytorch/
// executorch/), identical at tag v1.4.1 and main at 1.5.0 (cff6f4dd32) for these members.
package org.pytorch.executorch.extension.llm

interface LlmCallback {
  fun onResult(result: String)

  fun onStats(stats: String) {}

  fun onError(errorCode: Int, message: String) {}
}
