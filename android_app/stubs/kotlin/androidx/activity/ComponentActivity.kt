// Compile-only stub for `make android-kotlin`: androidx.activity:activity 1.9.3 (Kotlin), only
// the members the app calls, with that release's signatures.
package androidx.activity

import android.os.Bundle
import androidx.activity.result.ActivityResultCallback
import androidx.activity.result.ActivityResultLauncher
import androidx.activity.result.contract.ActivityResultContract
import androidx.lifecycle.Lifecycle
import androidx.lifecycle.LifecycleOwner

open class ComponentActivity : androidx.core.app.ComponentActivity(), LifecycleOwner {
  override val lifecycle: Lifecycle
    get() = TODO("compile-only stub")

  override fun onCreate(savedInstanceState: Bundle?) {}

  override fun onSaveInstanceState(outState: Bundle) {}

  fun <I, O> registerForActivityResult(
      contract: ActivityResultContract<I, O>,
      callback: ActivityResultCallback<O>,
  ): ActivityResultLauncher<I> = TODO("compile-only stub")
}
