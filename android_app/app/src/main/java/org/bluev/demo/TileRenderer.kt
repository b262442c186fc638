package org.bluev.demo

import android.graphics.Bitmap
import android.graphics.Canvas
import android.graphics.Color
import android.graphics.Paint
import android.graphics.Rect
import org.bluev.core.TilePlan

/**
 * Cuts a picture into the tiles a [TilePlan] describes, as runtime/image.py does: the image is
 * resized onto the canvas (centred on black, or stretched for InternVL), cut row-major, and a
 * thumbnail of the whole image goes first when the plan has one. Each tile is drawn straight from
 * the source, so the full canvas (up to 3456x3456) is never held in memory.
 *
 * The geometry equals the host's; the resampling filter does not (Android draws bilinear, Pillow
 * resizes bicubic), so pixel values differ slightly from the host's tiles.
 */
object TileRenderer {
  private val paint = Paint(Paint.FILTER_BITMAP_FLAG or Paint.ANTI_ALIAS_FLAG)

  /** ARGB pixels of every image to encode, in the order the vision encoder takes them. */
  fun tiles(picture: Bitmap, plan: TilePlan): List<IntArray> {
    val out = ArrayList<IntArray>(plan.imagesToEncode())
    if (plan.thumbnail) out.add(thumbnail(picture, plan))
    val content =
        Rect(
            plan.contentLeft(),
            plan.contentTop(),
            plan.contentLeft() + plan.contentWidth,
            plan.contentTop() + plan.contentHeight)
    for (i in 0 until plan.tiles()) {
      val dst = Rect(content)
      dst.offset(-plan.tileLeft(i), -plan.tileTop(i))
      out.add(draw(picture, plan.tileSize, dst))
    }
    return out
  }

  /** The whole picture on one tile, with the plan's resize rule (thumbnail_of in image.py). */
  fun thumbnail(picture: Bitmap, plan: TilePlan): IntArray {
    val t = plan.tileSize
    val size = plan.thumbnailContent()
    val left = (t - size[0]) / 2
    val top = (t - size[1]) / 2
    return draw(picture, t, Rect(left, top, left + size[0], top + size[1]))
  }

  private fun draw(picture: Bitmap, size: Int, dst: Rect): IntArray {
    val tile = Bitmap.createBitmap(size, size, Bitmap.Config.ARGB_8888)
    try {
      val canvas = Canvas(tile)
      canvas.drawColor(Color.BLACK) // the host pads with black
      canvas.drawBitmap(picture, Rect(0, 0, picture.width, picture.height), dst, paint)
      val pixels = IntArray(size * size)
      tile.getPixels(pixels, 0, size, 0, 0, size, size)
      return pixels
    } finally {
      tile.recycle()
    }
  }
}
