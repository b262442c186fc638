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
      default:
        throw new IllegalArgumentException(ImageLayout.unknownKind(kind));
    }
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
