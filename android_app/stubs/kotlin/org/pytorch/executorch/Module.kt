// Compile-only stub for `make android-kotlin`: ExecuTorch Android (org.pytorch:executorch-android
// 1.5.x), only the members the app calls, their overloads and default arguments copied from the
// library's Kotlin sources (extension/android/executorch_android/src/main/java/org/pytorch/
// executorch/), identical at tag v1.4.1 and main at 1.5.0 (cff6f4dd32) for these members.
package org.pytorch.executorch

import java.io.Closeable

open class Module private constructor() : Closeable {
  open fun forward(vararg inputs: EValue): Array<EValue> = TODO("compile-only stub")

  open fun execute(methodName: String, vararg inputs: EValue): Array<EValue> =
      TODO("compile-only stub")

  open fun loadMethod(methodName: String) {}

  open fun getMethods(): Array<String> = TODO("compile-only stub")

  open fun destroy() {}

  override fun close() {}

  companion object {
    const val LOAD_MODE_FILE = 0
    const val LOAD_MODE_MMAP = 1
    const val LOAD_MODE_MMAP_USE_MLOCK = 2
    const val LOAD_MODE_MMAP_USE_MLOCK_IGNORE_ERRORS = 3

    @Suppress("UNUSED_PARAMETER")
    @JvmStatic
    @JvmOverloads
    fun load(modelPath: String?, loadMode: Int = LOAD_MODE_FILE, numThreads: Int = 0): Module =
        TODO("compile-only stub")
  }
}
