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
      Collections.unmodifiableList(Arrays.asList("bluelm-v", "llava-anyres", "idefics3", "internvl"));

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

  /**
   * SmolVLM / Idefics3's image splitting and prompt run ({@code layout.idefics3}, kind {@code
   * idefics3}): the longest-edge resize, its cap, whether the picture is split into tiles, and the
   * tokens around each tile ({@code tileToken} with {@code {row}} and {@code {col}}, from 1).
   */
  public static final class Idefics3Split {
    public final int longestEdge;
    public final int maxSide;
    public final boolean splitting;
    public final String fakeToken;
    public final String globalToken;
    public final String tileToken;

    public Idefics3Split(
        int longestEdge, int maxSide, boolean splitting, String fakeToken, String globalToken,
        String tileToken) {
      if (longestEdge <= 0 || maxSide <= 0) {
        throw new IllegalArgumentException("layout.idefics3: longest_edge and max_side must be positive");
      }
      this.longestEdge = longestEdge;
      this.maxSide = maxSide;
      this.splitting = splitting;
      this.fakeToken = fakeToken;
      this.globalToken = globalToken;
      this.tileToken = tileToken;
    }

    static Idefics3Split fromJson(Map<String, Object> obj) {
      return new Idefics3Split(
          (int) Fields.integer(obj, "longest_edge"),
          (int) Fields.integer(obj, "max_side"),
          Fields.bool(obj, "splitting"),
          Fields.string(obj, "fake_token"),
          Fields.string(obj, "global_token"),
          Fields.string(obj, "tile_token"));
    }

    /** The tile's token, {@code row} and {@code col} counted from 1. */
    public String tileToken(int row, int col) {
      return tileToken.replace("{row}", Integer.toString(row)).replace("{col}", Integer.toString(col));
    }
  }

  /** InternVL's prompt run ({@code layout.internvl}): the tokens around the image's tokens. */
  public static final class InternVLWrap {
    public final String startToken;
    public final String endToken;

    public InternVLWrap(String startToken, String endToken) {
      this.startToken = startToken;
      this.endToken = endToken;
    }

    static InternVLWrap fromJson(Map<String, Object> obj) {
      return new InternVLWrap(Fields.string(obj, "start_token"), Fields.string(obj, "end_token"));
    }
  }

  public final String kind;
  /** "bluelm-v", "llava_onevision", "llava_next", "idefics3", "smolvlm", "internvl", ... */
  public final String family;
  /** "family": the checkpoint's own grid choice; "relaxed": exported with --tiler relaxed. */
  public final String tiler;
  public final Processor processor;
  public final Prompt prompt;
  /** Kind llava-anyres only, else null. */
  public final Anyres anyres;
  /** Kind idefics3 only, else null. */
  public final Idefics3Split idefics3;
  /** Kind internvl only, else null. */
  public final InternVLWrap internvl;

  public ImageLayout(
      String kind, String family, String tiler, Processor processor, Prompt prompt, Anyres anyres) {
    this(kind, family, tiler, processor, prompt, anyres, null, null);
  }

  public ImageLayout(
      String kind,
      String family,
      String tiler,
      Processor processor,
      Prompt prompt,
      Anyres anyres,
      Idefics3Split idefics3,
      InternVLWrap internvl) {
    if (!KINDS.contains(kind)) {
      throw new IllegalArgumentException(unknownKind(kind));
    }
    oneOf("layout.tiler", tiler, TILER_CHOICES);
    // Each family kind has its own section and no other's, as ImageLayout checks in manifest.py.
    section(kind, "llava-anyres", "anyres", anyres);
    section(kind, "idefics3", "idefics3", idefics3);
    section(kind, "internvl", "internvl", internvl);
    if (!kind.equals("bluelm-v") && prompt.imageToken == null) {
      throw new IllegalArgumentException("layout.kind '" + kind + "': the prompt has no image_token");
    }
    this.kind = kind;
    this.family = family;
    this.tiler = tiler;
    this.processor = processor;
    this.prompt = prompt;
    this.anyres = anyres;
    this.idefics3 = idefics3;
    this.internvl = internvl;
  }

  private static void section(String kind, String owner, String name, Object value) {
    if (kind.equals(owner) != (value != null)) {
      throw new IllegalArgumentException(
          "layout.kind '" + kind + "': " + name + " is " + (value == null ? "missing" : "extra"));
    }
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
    Map<String, Object> split = Fields.optObject(obj, "idefics3");
    Map<String, Object> wrap = Fields.optObject(obj, "internvl");
    return new ImageLayout(
        kind,
        Fields.string(obj, "family"),
        Fields.string(obj, "tiler"),
        Processor.fromJson(Fields.object(obj, "processor")),
        Prompt.fromJson(Fields.object(obj, "prompt")),
        any == null ? null : Anyres.fromJson(any, true),
        split == null ? null : Idefics3Split.fromJson(split),
        wrap == null ? null : InternVLWrap.fromJson(wrap));
  }

  private static String oneOf(String what, String value, List<String> allowed) {
    if (!allowed.contains(value)) {
      throw new IllegalArgumentException(
          what + " '" + value + "': expected one of " + String.join(", ", allowed));
    }
    return value;
  }
}
