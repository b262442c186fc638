package org.bluev.demo

import android.graphics.Bitmap
import android.graphics.Canvas
import android.graphics.Color
import android.graphics.Paint
import android.graphics.Rect
import org.bluev.core.ImagePlan
import org.bluev.core.TilePlan

/**
 * Cuts a picture into the tiles a plan describes, as the host's layouts do: the image is resized
 * onto the canvas (centred on black, or stretched for InternVL and SmolVLM), cut row-major, and
 * the whole image on one tile (bluev's thumbnail, LLaVA's base image, InternVL's thumbnail,
 * SmolVLM's global image) goes where the layout's encoder order puts it. Each tile is drawn
 * straight from the source, so the full canvas (up to 3456x3456) is never held in memory.
 *
 * The geometry equals the host's; the resampling filter does not (Android draws bilinear, Pillow
 * resizes bicubic), so pixel values differ slightly from the host's tiles.
 */
object TileRenderer {
  private val paint = Paint(Paint.FILTER_BITMAP_FLAG or Paint.ANTI_ALIAS_FLAG)

  /** ARGB pixels of every image to encode, in the order the vision encoder takes them. */
  fun tiles(picture: Bitmap, image: ImagePlan): List<IntArray> {
    val plan = image.tiles
    val out = ArrayList<IntArray>(image.imagesToEncode())
    val content =
        Rect(
            plan.contentLeft(),
            plan.contentTop(),
            plan.contentLeft() + plan.contentWidth,
            plan.contentTop() + plan.contentHeight)
    var tile = 0
    for (what in image.encoderOrder) {
      if (what != "tile") {
        out.add(thumbnail(picture, plan))
        continue
      }
      val dst = Rect(content)
      dst.offset(-plan.tileLeft(tile), -plan.tileTop(tile))
      out.add(draw(picture, plan.tileSize, dst))
      tile += 1
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
