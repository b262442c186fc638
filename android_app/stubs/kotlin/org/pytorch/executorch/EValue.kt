// Compile-only stub for `make android-kotlin`: ExecuTorch Android (org.pytorch:executorch-android
// 1.5.x), only the members the app calls, their overloads and default arguments copied from the
// library's Kotlin sources (extension/android/executorch_android/src/main/java/org/pytorch/
// executorch/), identical at tag v1.4.1 and main at 1.5.0 (cff6f4dd32) for these members.
package org.pytorch.executorch

class EValue private constructor() {
  fun toTensor(): Tensor = TODO("compile-only stub")

  fun toBool(): Boolean = TODO("compile-only stub")

  fun toInt(): Long = TODO("compile-only stub")

  fun toDouble(): Double = TODO("compile-only stub")

  fun toStr(): String = TODO("compile-only stub")

  @Suppress("UNUSED_PARAMETER")
  companion object {
    @JvmStatic fun from(tensor: Tensor): EValue = TODO("compile-only stub")

    @JvmStatic fun from(value: Boolean): EValue = TODO("compile-only stub")

    @JvmStatic fun from(value: Long): EValue = TODO("compile-only stub")

    @JvmStatic fun from(value: Double): EValue = TODO("compile-only stub")

    @JvmStatic fun from(value: String): EValue = TODO("compile-only stub")
  }
}
