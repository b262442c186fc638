package org.bluev.demo

import android.content.ContentResolver
import android.graphics.ImageDecoder
import android.net.Uri
import java.io.File
import org.bluev.core.PhotoDecode
import org.bluev.core.ImagePlan

/**
 * Decodes a picked or captured photo to an upright bitmap no larger than its tile plan needs.
 * ImageDecoder reads the header first and reports the upright size (it applies the EXIF
 * orientation, as runtime/image.py does before tiling); the plan is made from that size, then the
 * decoder is asked for the power-of-two subsampling [PhotoDecode] picks, the rule the host gives
 * Pillow's JPEG draft. A 12 MP photo on a 2x2 canvas is decoded at 2000x1500 (12 MB of pixels
 * instead of 48 MB).
 */
object PictureLoader {
  /** The host's decompression-bomb cap (runtime/image.py DEFAULT_MAX_PIXELS). */
  private const val MAX_PIXELS = 64_000_000L

  /** Decode size when the artifacts take no image: enough for the on-screen preview. */
  private const val PREVIEW_NEED = 1024

  /** [plan]: the plan the engine will encode a picture of the given size with, or null. */
  fun load(resolver: ContentResolver, uri: Uri, plan: (Int, Int) -> ImagePlan?): Picture =
      decode(ImageDecoder.createSource(resolver, uri), uri.toString(), plan)

  fun load(file: File, plan: (Int, Int) -> ImagePlan?): Picture {
    if (!file.isFile) throw IllegalArgumentException("${file.path}: no such image file")
    return decode(ImageDecoder.createSource(file), file.path, plan)
  }

  private fun decode(source: ImageDecoder.Source, name: String, plan: (Int, Int) -> ImagePlan?): Picture {
    var width = 0
    var height = 0
    var sample = 1
    val bitmap =
        try {
          ImageDecoder.decodeBitmap(source) { decoder, info, _ ->
            // Only the header has been read: no pixel is decoded before the size is known.
            width = info.size.width
            height = info.size.height
            if (width.toLong() * height > MAX_PIXELS) {
              throw IllegalArgumentException(
                  "$name: ${width}x$height is over the ${MAX_PIXELS / 1_000_000} MP limit")
            }
            val tiles = plan(width, height)?.tiles
            sample =
                if (tiles != null) PhotoDecode.sampleSize(width, height, tiles)
                else PhotoDecode.sampleSize(width, height, PREVIEW_NEED, PREVIEW_NEED)
            decoder.setTargetSampleSize(sample)
            // Software pixels: the tiler reads them back with getPixels.
            decoder.allocator = ImageDecoder.ALLOCATOR_SOFTWARE
          }
        } catch (e: java.io.IOException) {
          throw IllegalArgumentException("$name: not a readable image (${e.message})")
        }
    return Picture(bitmap, width, height, sample)
  }
}
