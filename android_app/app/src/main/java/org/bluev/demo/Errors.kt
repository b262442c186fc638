package org.bluev.demo

import org.bluev.core.ArtifactException
import org.bluev.core.LoadGroup

/** One line for the screen or the result file, whatever went wrong in a background step. */
object Errors {
  fun message(t: Throwable): String =
      when (t) {
        is OutOfMemoryError ->
            "out of memory: the model and picture do not fit this phone's free RAM " +
                "(close other apps, use a smaller preset or fewer tiles)"
        is ArtifactException -> t.message ?: "unusable artifacts"
        is IllegalArgumentException, is IllegalStateException -> t.message ?: t.toString()
        // ExecuTorch's exceptions append the native log tail: logcat has it, the screen does not.
        else -> "${t.javaClass.simpleName}: ${LoadGroup.reason(t)}"
      }
}
