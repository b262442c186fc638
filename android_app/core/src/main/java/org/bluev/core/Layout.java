package org.bluev.core;

/**
 * How a picture reaches the LLM under one manifest {@code layout.kind}: the Java port of a
 * layout in runtime/layouts/ (one class per kind, made by {@link Layouts}). Everything comes from
 * the manifest; no model code.
 */
public interface Layout {
  /** The manifest's layout kind. */
  String kind();

  /** The plan of a {@code width} x {@code height} upright picture (no pixels needed). */
  ImagePlan plan(int width, int height);

  /**
   * The projector's outputs for the plan's images in encoder order, {@code [images *
   * tokensPerImage * dim]}, as the image's embeddings in prompt order {@code [imageTokens * dim]}.
   *
   * @throws IllegalArgumentException when the features do not fit the plan
   */
  float[] pack(ImagePlan plan, float[] features, int dim);

  /**
   * The image's run in the prompt text (the image token once per embedding, plus the layout's own
   * tokens), or null when the embeddings are spliced between text pieces (bluev's own layout).
   */
  String imageText(ImagePlan plan);
}
