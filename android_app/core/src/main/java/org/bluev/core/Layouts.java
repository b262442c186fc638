package org.bluev.core;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;

/**
 * Makes the {@link Layout} of a manifest's {@code layout.kind} (runtime/layouts/__init__.py
 * {@code open_layout}), or of a case of tests/data/layout_vectors.json. A kind this app has no
 * reader for is refused with one line naming it.
 */
public final class Layouts {
  private Layouts() {}

  /**
   * The layout of a multimodal manifest.
   *
   * @param newline the bytes of the manifest's image_newline file (float32 little-endian), read
   *     by the caller from the artifact directory; ignored (may be null) for kinds without one
   */
  public static Layout open(Manifest manifest, byte[] newline) {
    if (manifest.vision == null || manifest.layout == null) {
      throw new IllegalArgumentException(
          "preset " + manifest.preset + ": the artifacts are text-only (no image layout)");
    }
    ImageLayout spec = manifest.layout;
    TilerConfig tiler = manifest.vision.tiler;
    switch (spec.kind) {
      case "bluelm-v":
        return new BlueLmVLayout(tiler);
      case "idefics3":
        return new Idefics3Layout(tiler, spec.idefics3, spec.prompt.imageToken);
      case "internvl":
        return new InternVLLayout(tiler, spec.internvl, spec.prompt.imageToken);
      case "llava-anyres":
        if (newline == null) {
          throw new IllegalArgumentException(spec.anyres.newline.file + ": not read");
        }
        return new AnyresLayout(
            tiler, spec.anyres, spec.processor.thumbnailResize, spec.prompt.imageToken,
            floats(newline, spec.anyres.newline.file, manifest.llm.dim));
      default:
        throw new IllegalArgumentException(ImageLayout.unknownKind(spec.kind));
    }
  }

  /**
   * The layout of a multimodal manifest for planning only (grid, tiles, token counts: what the app
   * shows before anything is encoded); its {@link Layout#pack} refuses, having no image_newline.
   */
  public static Layout forPlanning(Manifest manifest) {
    if (manifest.vision == null || manifest.layout == null) {
      throw new IllegalArgumentException(
          "preset " + manifest.preset + ": the artifacts are text-only (no image layout)");
    }
    ImageLayout spec = manifest.layout;
    if (spec.kind.equals("llava-anyres")) {
      return new AnyresLayout(
          manifest.vision.tiler, spec.anyres, spec.processor.thumbnailResize, spec.prompt.imageToken,
          null);
    }
    return open(manifest, null);
  }

  /**
   * The layout of a layout vector ({@code layouts} of tests/data/layout_vectors.json: the
   * manifest's {@code kind}, {@code vision.tiler} and the kind's section), planning only.
   *
   * @throws IllegalArgumentException for a kind this app does not read ("unknown layout kind")
   */
  public static Layout forVector(Map<String, Object> obj) {
    String kind = Fields.string(obj, "kind");
    TilerConfig tiler = TilerConfig.fromJson(Fields.object(obj, "tiler"));
    switch (kind) {
      case "bluelm-v":
        return new BlueLmVLayout(tiler);
      case "llava-anyres":
        return new AnyresLayout(
            tiler, ImageLayout.Anyres.fromJson(Fields.object(obj, "anyres"), false), "stretch",
            null, null);
      case "idefics3":
        return new Idefics3Layout(
            tiler, ImageLayout.Idefics3Split.fromJson(Fields.object(obj, "idefics3")), null);
      case "internvl":
        return new InternVLLayout(
            tiler, ImageLayout.InternVLWrap.fromJson(Fields.object(obj, "internvl")), null);
      default:
        throw new IllegalArgumentException(ImageLayout.unknownKind(kind));
    }
  }

  /**
   * Why the stock runner cannot answer about pictures of this set, or null when it can: ExecuTorch's
   * MultimodalRunner encodes one tile and splices it after the template's prefix, which is bluev's
   * own layout of a 1x1 grid only; a family's layout (base image, grid, newline rows, its image
   * token) would be served a prompt it was not trained on.
   */
  public static String stockProblem(Manifest manifest) {
    if (manifest.stockRunner == null || !manifest.stockRunner.takesImage || manifest.layout == null) {
      return null;
    }
    if (manifest.layout.kind.equals("bluelm-v")) {
      return null;
    }
    return "the stock runner encodes one tile, not the " + manifest.layout.family + " layout ("
        + manifest.layout.kind + ") the model expects; use the components engine";
  }

  /** A layout whose encoder outputs already are the prompt's embeddings, in the same order. */
  static float[] sameOrder(ImagePlan plan, float[] features, int dim) {
    long want = (long) plan.imageTokens() * dim;
    if (features.length != want) {
      throw new IllegalArgumentException(
          "image features: " + features.length + " floats, the plan's " + plan.imagesToEncode()
              + " image(s) of " + plan.tokensPerImage + " tokens x " + dim + " need " + want);
    }
    return features;
  }

  /** A float32 little-endian file of exactly {@code dim} values. */
  static float[] floats(byte[] bytes, String file, int dim) {
    if (bytes.length != 4L * dim) {
      throw new IllegalArgumentException(
          file + ": " + bytes.length + " bytes, expected " + 4L * dim + " (" + dim + " float32)");
    }
    float[] out = new float[dim];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
    return out;
  }
}
