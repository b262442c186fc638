package org.bluev.demo

import android.graphics.Bitmap

/**
 * A decoded photo: [bitmap] holds it at [sample] times less than its full upright size [width] x
 * [height] (the size in the file's header, after EXIF orientation). Tile plans are made from the
 * full size, as on the host, and the tiles are drawn from the smaller bitmap.
 */
class Picture(val bitmap: Bitmap, val width: Int, val height: Int, val sample: Int)
