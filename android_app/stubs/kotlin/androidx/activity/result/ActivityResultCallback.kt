// Compile-only stub for `make android-kotlin`: androidx.activity:activity 1.9.3 (Kotlin), only
// the members the app calls, with that release's signatures.
package androidx.activity.result

fun interface ActivityResultCallback<O : Any?> {
  fun onActivityResult(result: O)
}
