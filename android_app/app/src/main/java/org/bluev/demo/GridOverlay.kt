package org.bluev.demo

import android.graphics.Bitmap
import android.graphics.Canvas
import android.graphics.Color
import android.graphics.Paint
import org.bluev.core.TilePlan

/**
 * Draws a plan's tile boundaries on a preview of the picture (what `bluev tiles --out grid.png`
 * shows on the host), so the user sees how the tiler cut the photo.
 */
object GridOverlay {
  /** A copy of [preview] with the grid of [plan] drawn on it; [preview] may be scaled down. */
  fun draw(preview: Bitmap, plan: TilePlan): Bitmap {
    val out = preview.copy(Bitmap.Config.ARGB_8888, true)
    val canvas = Canvas(out)
    val paint =
        Paint().apply {
          color = Color.YELLOW
          strokeWidth = maxOf(2f, out.width / 200f)
          style = Paint.Style.STROKE
        }
    // Canvas coordinates -> preview pixels: the picture covers the content rectangle of the
    // canvas (all of it when stretched), so a boundary at canvas x lands at
    // (x - contentLeft) * previewWidth / contentWidth.
    val sx = out.width.toFloat() / plan.contentWidth
    val sy = out.height.toFloat() / plan.contentHeight
    for (c in 1 until plan.columns) {
      val x = (c * plan.tileSize - plan.contentLeft()) * sx
      if (x > 0 && x < out.width) canvas.drawLine(x, 0f, x, out.height.toFloat(), paint)
    }
    for (r in 1 until plan.rows) {
      val y = (r * plan.tileSize - plan.contentTop()) * sy
      if (y > 0 && y < out.height) canvas.drawLine(0f, y, out.width.toFloat(), y, paint)
    }
    canvas.drawRect(0f, 0f, out.width.toFloat(), out.height.toFloat(), paint)
    return out
  }
}
