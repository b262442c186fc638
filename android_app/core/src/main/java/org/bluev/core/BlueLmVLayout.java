package org.bluev.core;

import java.util.ArrayList;
import java.util.List;

/**
 * Layout {@code bluelm-v}: bluev's own presets (runtime/layouts/bluelm_v.py). The manifest's tiler
 * (relaxed matching by default), the thumbnail first when the grid has more than one tile, then
 * the tiles row-major, each tile's tokens as the projector returns them, spliced between the
 * chat template's text before the image and the question.
 */
public final class BlueLmVLayout implements Layout {
  private final TilerConfig tiler;

  public BlueLmVLayout(TilerConfig tiler) {
    this.tiler = tiler;
  }

  @Override
  public String kind() {
    return "bluelm-v";
  }

  @Override
  public ImagePlan plan(int width, int height) {
    TilePlan tiles = Tiler.plan(width, height, tiler);
    List<String> order = new ArrayList<>();
    List<ImagePlan.Run> runs = new ArrayList<>();
    if (tiles.thumbnail) {
      order.add("thumbnail");
      runs.add(ImagePlan.Run.image("thumbnail", tiles.tokensPerTile));
    }
    for (int i = 0; i < tiles.tiles(); i++) {
      order.add("tile");
      runs.add(ImagePlan.Run.image("tile", tiles.tokensPerTile));
    }
    return new ImagePlan(kind(), tiles, order, tiles.tokensPerTile, runs);
  }

  /** The projector's outputs already are the prompt's embeddings, in the same order. */
  @Override
  public float[] pack(ImagePlan plan, float[] features, int dim) {
    return Layouts.sameOrder(plan, features, dim);
  }

  @Override
  public String imageText(ImagePlan plan) {
    return null;
  }
}
