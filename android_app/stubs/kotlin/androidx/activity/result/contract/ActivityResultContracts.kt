// Compile-only stub for `make android-kotlin`: androidx.activity:activity 1.9.3 (Kotlin), only
// the members the app calls, with that release's signatures.
package androidx.activity.result.contract

import android.net.Uri
import androidx.activity.result.PickVisualMediaRequest

class ActivityResultContracts private constructor() {
  open class PickVisualMedia : ActivityResultContract<PickVisualMediaRequest, Uri?>() {
    sealed interface VisualMediaType

    object ImageOnly : VisualMediaType

    object ImageAndVideo : VisualMediaType
  }

  open class TakePicture : ActivityResultContract<Uri, Boolean>()

  open class OpenDocument : ActivityResultContract<Array<String>, Uri?>()

  open class OpenDocumentTree : ActivityResultContract<Uri?, Uri?>()

  class RequestPermission : ActivityResultContract<String, Boolean>()
}
