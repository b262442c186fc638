// Compile-only stub for `make android-kotlin`: ExecuTorch Android (org.pytorch:executorch-android
// 1.5.x), only the members the app calls, their overloads and default arguments copied from the
// library's Kotlin sources (extension/android/executorch_android/src/main/java/org/pytorch/
// executorch/), identical at tag v1.4.1 and main at 1.5.0 (cff6f4dd32) for these members.
package org.pytorch.executorch

abstract class Tensor internal constructor() {
  fun numel(): Long = TODO("compile-only stub")

  fun shape(): LongArray = TODO("compile-only stub")

  open val dataAsByteArray: ByteArray
    get() = TODO("compile-only stub")

  open val dataAsIntArray: IntArray
    get() = TODO("compile-only stub")

  open val dataAsFloatArray: FloatArray
    get() = TODO("compile-only stub")

  open val dataAsLongArray: LongArray
    get() = TODO("compile-only stub")

  @Suppress("UNUSED_PARAMETER")
  companion object {
    @JvmStatic fun fromBlob(data: ByteArray, shape: LongArray): Tensor = TODO("compile-only stub")

    @JvmStatic fun fromBlob(data: IntArray, shape: LongArray): Tensor = TODO("compile-only stub")

    @JvmStatic fun fromBlob(data: FloatArray, shape: LongArray): Tensor = TODO("compile-only stub")

    @JvmStatic fun fromBlob(data: ShortArray, shape: LongArray): Tensor = TODO("compile-only stub")

    @JvmStatic fun fromBlob(data: LongArray, shape: LongArray): Tensor = TODO("compile-only stub")

    @JvmStatic fun fromBlob(data: DoubleArray, shape: LongArray): Tensor = TODO("compile-only stub")
  }
}
