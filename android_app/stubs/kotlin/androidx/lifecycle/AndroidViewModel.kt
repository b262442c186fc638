// Compile-only stub for `make android-kotlin`: androidx.lifecycle 2.8.7 (Kotlin), only the
// members the app calls, with that release's signatures.
package androidx.lifecycle

import android.app.Application

open class AndroidViewModel(private val application: Application) : ViewModel() {
  open fun <T : Application> getApplication(): T = TODO("compile-only stub")
}
