package org.bluev.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Which family's processor a picture follows and how its embeddings sit in the prompt: the
 * manifest's {@code layout} section ({@code ImageLayout} in runtime/manifest.py). {@code kind}
 * picks the reader ({@link Layouts}); a kind this app does not know is refused when the manifest
 * is read, so a new family never runs with another family's layout.
 */
public final class ImageLayout {
  /** The kinds this app reads, as runtime/manifest.py {@code LAYOUT_KINDS}. */
  public static final List<String> KINDS =
      Collections.unmodifiableList(Arrays.asList("bluelm-v", "llava-anyres"));

  static final List<String> TILER_CHOICES =
      Collections.unmodifiableList(Arrays.asList("family", "relaxed"));
  static final List<String> RESAMPLE_FILTERS =
      Collections.unmodifiableList(
          Arrays.asList("nearest", "lanczos", "bilinear", "bicubic", "box", "hamming"));
  static final List<String> RESIZES = Collections.unmodifiableList(Arrays.asList("fit-pad", "stretch"));
  static final List<String> RESCALE_DTYPES =
      Collections.unmodifiableList(Arrays.asList("float32", "float64"));

  /** Pixels as the family's image processor makes them ({@code layout.processor}). */
  public static final class Processor {
    /** Pillow's filter name; the app draws with Android's bilinear filter whatever it says. */
    public final String resample;
    public final double rescaleFactor;
    /** "float32" (x * f in float32) or "float64" (in float64, then cast: transformers' rescale). */
    public final String rescaleDtype;
    /** "fit-pad" (aspect kept, centred on black) or "stretch" (LLaVA's base image). */
    public final String thumbnailResize;
    /** The thumbnail / base image is encoded beside a 1x1 grid too (LLaVA). */
    public final boolean thumbnailAlways;
    public final boolean jpegDraft;

    public Processor(
        String resample,
        double rescaleFactor,
        String rescaleDtype,
        String thumbnailResize,
        boolean thumbnailAlways,
        boolean jpegDraft) {
      this.resample = oneOf("layout.processor.resample", resample, RESAMPLE_FILTERS);
      this.rescaleFactor = rescaleFactor;
      this.rescaleDtype = oneOf("layout.processor.rescale_dtype", rescaleDtype, RESCALE_DTYPES);
      this.thumbnailResize =
          oneOf("layout.processor.thumbnail_resize", thumbnailResize, RESIZES);
      this.thumbnailAlways = thumbnailAlways;
      this.jpegDraft = jpegDraft;
    }

    static Processor fromJson(Map<String, Object> obj) {
      return new Processor(
          Fields.string(obj, "resample"),
          Fields.number(obj, "rescale_factor"),
          Fields.string(obj, "rescale_dtype"),
          Fields.string(obj, "thumbnail_resize"),
          Fields.bool(obj, "thumbnail_always"),
          Fields.bool(obj, "jpeg_draft"));
    }
  }

  /**
   * A user turn with one image ({@code layout.prompt}): the text is {@code beforeImage} + the
   * image's run + {@code afterImage} + the question + {@code chat_template.suffix}. Without an
   * image token (bluev's own layout) the image embeddings are spliced between the tokens of the
   * text before and after; with one, the whole text is tokenized at once and the embeddings
   * replace the image token's positions in order.
   */
  public static final class Prompt {
    public final String beforeImage;
    public final String afterImage;
    /** Null for bluev's own layout. */
    public final String imageToken;
    /** -1 when {@link #imageToken} is null. */
    public final int imageTokenId;

    public Prompt(String beforeImage, String afterImage, String imageToken, int imageTokenId) {
      if ((imageToken == null) != (imageTokenId < 0)) {
        throw new IllegalArgumentException(
            "layout.prompt: image_token and image_token_id must be given together");
      }
      this.beforeImage = beforeImage;
      this.afterImage = afterImage;
      this.imageToken = imageToken;
      this.imageTokenId = imageTokenId;
    }

    static Prompt fromJson(Map<String, Object> obj) {
      String token = Fields.optString(obj, "image_token", null);
      int id = obj.get("image_token_id") == null ? -1 : (int) Fields.integer(obj, "image_token_id");
      return new Prompt(
          Fields.string(obj, "before_image"), Fields.string(obj, "after_image"), token, id);
    }
  }

  /**
   * LLaVA-NeXT / OneVision's packing of one image's features ({@code layout.anyres}, kind
   * {@code llava-anyres}): canvases, features per tile side, {@code anyres_max_N} (0: none), and
   * the {@code image_newline} embedding's file (null in a test vector, which plans only).
   */
  public static final class Anyres {
    /** Candidate canvases {height, width} in the checkpoint's order. */
    public final List<int[]> pinpoints;
    public final int featureSide;
    /** OneVision's anyres_max_N; 0 when the checkpoint has none (manifest null). */
    public final int maxTiles;
    public final Manifest.FileRef newline;

    public Anyres(List<int[]> pinpoints, int featureSide, int maxTiles, Manifest.FileRef newline) {
      if (pinpoints.isEmpty()) {
        throw new IllegalArgumentException("layout.anyres.pinpoints: empty");
      }
      if (featureSide <= 0 || maxTiles < 0) {
        throw new IllegalArgumentException(
            "layout.anyres: feature_side must be positive and max_tiles positive or null");
      }
      this.pinpoints = Collections.unmodifiableList(new ArrayList<>(pinpoints));
      this.featureSide = featureSide;
      this.maxTiles = maxTiles;
      this.newline = newline;
    }

    /**
     * Reads {@code layout.anyres} of a manifest, or of a layout vector (no {@code newline} there:
     * {@code withNewline} false).
     */
    static Anyres fromJson(Map<String, Object> obj, boolean withNewline) {
      List<int[]> points = new ArrayList<>();
      for (Object p : Fields.list(obj, "pinpoints")) {
        if (!(p instanceof List) || ((List<?>) p).size() != 2) {
          throw new JsonException("layout.anyres.pinpoints: expected [height, width] pairs");
        }
        List<?> pair = (List<?>) p;
        points.add(
            new int[] {
              (int) Fields.asInteger(pair.get(0), "pinpoints[][0]"),
              (int) Fields.asInteger(pair.get(1), "pinpoints[][1]")
            });
      }
      int maxTiles = obj.get("max_tiles") == null ? 0 : (int) Fields.integer(obj, "max_tiles");
      Manifest.FileRef newline = null;
      if (withNewline) {
        Map<String, Object> entry = Fields.object(obj, "newline");
        newline =
            new Manifest.FileRef(
                "image_newline", Manifest.fileName(entry, "image_newline"), entry);
      }
      return new Anyres(points, (int) Fields.integer(obj, "feature_side"), maxTiles, newline);
    }
  }

  public final String kind;
  /** "bluelm-v", "llava_onevision", "llava_next", ... */
  public final String family;
  /** "family": the checkpoint's own grid choice; "relaxed": exported with --tiler relaxed. */
  public final String tiler;
  public final Processor processor;
  public final Prompt prompt;
  /** Kind llava-anyres only, else null. */
  public final Anyres anyres;

  public ImageLayout(
      String kind, String family, String tiler, Processor processor, Prompt prompt, Anyres anyres) {
    if (!KINDS.contains(kind)) {
      throw new IllegalArgumentException(unknownKind(kind));
    }
    oneOf("layout.tiler", tiler, TILER_CHOICES);
    if (kind.equals("llava-anyres") != (anyres != null)) {
      throw new IllegalArgumentException(
          "layout.kind '" + kind + "': anyres is " + (anyres == null ? "missing" : "extra"));
    }
    if (kind.equals("llava-anyres") && prompt.imageToken == null) {
      throw new IllegalArgumentException("layout.kind 'llava-anyres': the prompt has no image_token");
    }
    this.kind = kind;
    this.family = family;
    this.tiler = tiler;
    this.processor = processor;
    this.prompt = prompt;
    this.anyres = anyres;
  }

  /** The one-line refusal of a layout kind this app cannot serve. */
  static String unknownKind(String kind) {
    return "unknown layout kind '" + kind + "': this app reads " + String.join(", ", KINDS)
        + "; update the app to run this family";
  }

  static ImageLayout fromJson(Map<String, Object> obj) {
    String kind = Fields.string(obj, "kind");
    if (!KINDS.contains(kind)) {
      throw new IllegalArgumentException(unknownKind(kind));
    }
    Map<String, Object> any = Fields.optObject(obj, "anyres");
    return new ImageLayout(
        kind,
        Fields.string(obj, "family"),
        Fields.string(obj, "tiler"),
        Processor.fromJson(Fields.object(obj, "processor")),
        Prompt.fromJson(Fields.object(obj, "prompt")),
        any == null ? null : Anyres.fromJson(any, true));
  }

  /**
   * bluev's own layout (export/families/bluelm_v.py): what a manifest of format 2 written before
   * the {@code layout} section existed means, since every such set ran this layout.
   */
  static ImageLayout bluelmV(ChatTemplate chat) {
    return new ImageLayout(
        "bluelm-v",
        "bluelm-v",
        "family",
        new Processor("bicubic", 1.0 / 255.0, "float32", "fit-pad", false, true),
        new Prompt(chat.prefix, "", null, -1),
        null);
  }

  private static String oneOf(String what, String value, List<String> allowed) {
    if (!allowed.contains(value)) {
      throw new IllegalArgumentException(
          what + " '" + value + "': expected one of " + String.join(", ", allowed));
    }
    return value;
  }
}
