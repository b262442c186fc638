package org.bluev.core;

import java.util.ArrayList;
import java.util.List;

/**
 * Layout {@code internvl}: InternVL (HF format) as transformers' {@code GotOcr2ImageProcessor} and
 * {@code InternVLProcessor} do it (runtime/layouts/internvl.py). InternVL 1.5's grid (the manifest
 * tiler's {@code internvl} policy), the picture stretched onto it and cut row-major, then the
 * thumbnail (the picture stretched to one tile) last, only beside more than one tile. Prompt:
 * {@code <img>}, the image token once per embedding of every tile, {@code </img>}; the projector's
 * outputs are in prompt order.
 */
public final class InternVLLayout implements Layout {
  private final TilerConfig tiler;
  private final ImageLayout.InternVLWrap wrap;
  private final String imageToken;

  /** @param imageToken the processor's image token, or null for a layout that only plans */
  public InternVLLayout(TilerConfig tiler, ImageLayout.InternVLWrap wrap, String imageToken) {
    this.tiler = tiler;
    this.wrap = wrap;
    this.imageToken = imageToken;
  }

  @Override
  public String kind() {
    return "internvl";
  }

  @Override
  public ImagePlan plan(int width, int height) {
    TilePlan tiles = Tiler.plan(width, height, tiler);
    List<String> order = new ArrayList<>();
    List<ImagePlan.Run> runs = new ArrayList<>();
    runs.add(ImagePlan.Run.text(wrap.startToken));
    for (int i = 0; i < tiles.tiles(); i++) {
      order.add("tile");
      runs.add(ImagePlan.Run.image("tile", tiles.tokensPerTile));
    }
    if (tiles.thumbnail) { // after the tiles: InternVL's order
      order.add("thumbnail");
      runs.add(ImagePlan.Run.image("thumbnail", tiles.tokensPerTile));
    }
    runs.add(ImagePlan.Run.text(wrap.endToken));
    return new ImagePlan(kind(), tiles, order, tiles.tokensPerTile, runs);
  }

  @Override
  public float[] pack(ImagePlan plan, float[] features, int dim) {
    return Layouts.sameOrder(plan, features, dim);
  }

  @Override
  public String imageText(ImagePlan plan) {
    if (imageToken == null) {
      throw new IllegalStateException("internvl layout without an image token (plans only)");
    }
    return plan.runText(imageToken);
  }
}
