// Compile-only stub for `make android-kotlin`: androidx.activity:activity 1.9.3 (Kotlin), only
// the members the app calls, with that release's signatures.
package androidx.activity.result

import androidx.activity.result.contract.ActivityResultContracts.PickVisualMedia.ImageAndVideo
import androidx.activity.result.contract.ActivityResultContracts.PickVisualMedia.VisualMediaType

class PickVisualMediaRequest internal constructor()

@Suppress("UNUSED_PARAMETER")
fun PickVisualMediaRequest(mediaType: VisualMediaType = ImageAndVideo): PickVisualMediaRequest =
    TODO("compile-only stub")
