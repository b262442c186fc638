// Compile-only stub for `make android-kotlin`: androidx.activity:activity 1.9.3 (Kotlin), only
// the members the app calls, with that release's signatures.
package androidx.activity

import androidx.lifecycle.ViewModel
import androidx.lifecycle.ViewModelProvider
import androidx.lifecycle.viewmodel.CreationExtras

@Suppress("UNUSED_PARAMETER")
inline fun <reified VM : ViewModel> ComponentActivity.viewModels(
    noinline extrasProducer: (() -> CreationExtras)? = null,
    noinline factoryProducer: (() -> ViewModelProvider.Factory)? = null,
): Lazy<VM> = TODO("compile-only stub")
