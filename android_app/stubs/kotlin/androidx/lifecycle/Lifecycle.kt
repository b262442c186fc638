// Compile-only stub for `make android-kotlin`: androidx.lifecycle 2.8.7 (Kotlin), only the
// members the app calls, with that release's signatures.
package androidx.lifecycle

abstract class Lifecycle
