package org.bluev.demo

import android.content.ContentResolver
import android.graphics.Bitmap
import android.graphics.ImageDecoder
import android.net.Uri
import java.io.File

/**
 * Decodes a picked or captured photo to an upright ARGB bitmap. ImageDecoder applies the EXIF
 * orientation, as runtime/image.py does before tiling, so both see the same width and height.
 */
object PictureLoader {
  /** The host's decompression-bomb cap (bluev tiles --max-pixels default, 64 MP). */
  private const val MAX_PIXELS = 64L * 1024 * 1024

  fun load(resolver: ContentResolver, uri: Uri): Bitmap = decode(ImageDecoder.createSource(resolver, uri), uri.toString())

  fun load(file: File): Bitmap {
    if (!file.isFile) throw IllegalArgumentException("${file.path}: no such image file")
    return decode(ImageDecoder.createSource(file), file.path)
  }

  private fun decode(source: ImageDecoder.Source, name: String): Bitmap =
      try {
        ImageDecoder.decodeBitmap(source) { decoder, info, _ ->
          val size = info.size
          if (size.width.toLong() * size.height > MAX_PIXELS) {
            throw IllegalArgumentException(
                "$name: ${size.width}x${size.height} is over the ${MAX_PIXELS / (1024 * 1024)} MP limit")
          }
          // Software pixels: the tiler reads them back with getPixels.
          decoder.allocator = ImageDecoder.ALLOCATOR_SOFTWARE
        }
      } catch (e: java.io.IOException) {
        throw IllegalArgumentException("$name: not a readable image (${e.message})")
      }
}
