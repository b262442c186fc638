package org.bluev.core;

import java.util.Map;

/**
 * A picture's plan under {@code llava-anyres} ({@link AnyresLayout}): beyond the tiles, the shape
 * of the grid's feature picture after unpadding and after OneVision's anyres_max shrink, as
 * {@code AnyresPlan} in runtime/layouts/llava_anyres.py.
 */
public final class AnyresPlan extends ImagePlan {
  public final int featureSide;
  /** {rows, columns} of grid features kept by unpadding. */
  public final int[] unpadded;
  /** {top, left} of the kept features in the grid's feature picture. */
  public final int[] crop;
  /** {rows, columns} after the anyres_max shrink (equal to {@link #unpadded} when none). */
  public final int[] packed;

  AnyresPlan(TilePlan tiles, int featureSide, int[] unpadded, int[] crop, int[] packed) {
    super(
        "llava-anyres",
        tiles,
        AnyresLayout.encoderOrder(tiles.tiles()),
        featureSide * featureSide,
        AnyresLayout.runs(featureSide, packed));
    this.featureSide = featureSide;
    this.unpadded = unpadded.clone();
    this.crop = crop.clone();
    this.packed = packed.clone();
  }

  /** The base image's features, first in the prompt. */
  public int baseTokens() {
    return featureSide * featureSide;
  }

  /** One image_newline embedding after each packed row. */
  public int newlineTokens() {
    return packed[0];
  }

  @Override
  public Map<String, Object> summary() {
    Map<String, Object> out = super.summary();
    out.put("base_tokens", (long) baseTokens());
    out.put("unpadded", pair(unpadded[0], unpadded[1]));
    out.put("crop", pair(crop[0], crop[1]));
    out.put("packed", pair(packed[0], packed[1]));
    out.put("newline_tokens", (long) newlineTokens());
    return out;
  }
}
