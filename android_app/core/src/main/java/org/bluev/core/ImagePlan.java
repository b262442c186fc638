package org.bluev.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One picture's plan under a manifest's layout ({@link Layout#plan}): the tiles' geometry
 * ({@link #tiles}: grid, canvas, content, thumbnail), what the vision encoder takes in order, and
 * the image's embeddings in prompt order as runs. The counts are the ones the Python runtime's
 * layouts (runtime/layouts/) compute; {@link #summary} is what tests/data/layout_vectors.json
 * records per case.
 */
public class ImagePlan {
  /** One run of the image's embeddings in prompt order. */
  public static final class Run {
    /**
     * "thumbnail", "tile", "base", "global" (one encoded image each), "grid_rows", or "text": the
     * layout's own tokens between the image's runs, tokenized with the rest of the prompt.
     */
    public final String kind;
    /** Embeddings of a one-image run (0 for grid_rows). */
    public final int tokens;
    /** grid_rows: rows, features per row, and whether the newline embedding follows each row. */
    public final int rows;
    public final int tokensPerRow;
    public final boolean newlineAfterEachRow;
    /** The text of a text run, else null. */
    public final String text;

    private Run(String kind, int tokens, int rows, int tokensPerRow, boolean newline, String text) {
      this.kind = kind;
      this.tokens = tokens;
      this.rows = rows;
      this.tokensPerRow = tokensPerRow;
      this.newlineAfterEachRow = newline;
      this.text = text;
    }

    public static Run image(String kind, int tokens) {
      return new Run(kind, tokens, 0, 0, false, null);
    }

    public static Run gridRows(int rows, int tokensPerRow, boolean newlineAfterEachRow) {
      return new Run("grid_rows", 0, rows, tokensPerRow, newlineAfterEachRow, null);
    }

    public static Run text(String text) {
      return new Run("text", 0, 0, 0, false, text);
    }

    /** Embeddings this run puts in the prompt (none for a text run: its tokens are text). */
    public int embeddings() {
      if (kind.equals("text")) {
        return 0;
      }
      return kind.equals("grid_rows") ? rows * (tokensPerRow + (newlineAfterEachRow ? 1 : 0)) : tokens;
    }

    Map<String, Object> toJson() {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("run", kind);
      if (kind.equals("text")) {
        out.put("text", text);
      } else if (kind.equals("grid_rows")) {
        out.put("rows", (long) rows);
        out.put("tokens_per_row", (long) tokensPerRow);
        out.put("newline_after_each_row", newlineAfterEachRow);
      } else {
        out.put("tokens", (long) tokens);
      }
      return out;
    }
  }

  /** The manifest's layout kind this plan follows. */
  public final String kind;
  /** Grid, canvas, content box, thumbnail / base image and tile size. */
  public final TilePlan tiles;
  /** What the vision encoder takes, in order: "thumbnail" / "base" and "tile". */
  public final List<String> encoderOrder;
  /** Encoder features (bluev: LLM tokens) per encoded image. */
  public final int tokensPerImage;
  public final List<Run> runs;

  ImagePlan(String kind, TilePlan tiles, List<String> encoderOrder, int tokensPerImage, List<Run> runs) {
    this.kind = kind;
    this.tiles = tiles;
    this.encoderOrder = Collections.unmodifiableList(new ArrayList<>(encoderOrder));
    this.tokensPerImage = tokensPerImage;
    this.runs = Collections.unmodifiableList(new ArrayList<>(runs));
  }

  public int imagesToEncode() {
    return encoderOrder.size();
  }

  /** The image's LLM embeddings: how many prompt positions it takes. */
  public int imageTokens() {
    int n = 0;
    for (Run r : runs) {
      n += r.embeddings();
    }
    return n;
  }

  /**
   * The image's run in the prompt text: the text runs as they are and {@code imageToken} once
   * per embedding of every other run (a processor's expansion of its image placeholder).
   */
  public String runText(String imageToken) {
    StringBuilder out = new StringBuilder();
    for (Run r : runs) {
      if (r.kind.equals("text")) {
        out.append(r.text);
        continue;
      }
      for (int i = r.embeddings(); i > 0; i--) {
        out.append(imageToken);
      }
    }
    return out.toString();
  }

  /** [left, top, right, bottom] of each grid tile on the canvas, row-major (encoder order). */
  public List<int[]> tileBoxes() {
    List<int[]> out = new ArrayList<>();
    int t = tiles.tileSize;
    for (int i = 0; i < tiles.tiles(); i++) {
      out.add(new int[] {tiles.tileLeft(i), tiles.tileTop(i), tiles.tileLeft(i) + t, tiles.tileTop(i) + t});
    }
    return out;
  }

  /**
   * The plan as tests/data/layout_vectors.json records a case's {@code expect} (JSON values as
   * {@link Json#parse} returns them: Long, Boolean, String, List, Map).
   */
  public Map<String, Object> summary() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("grid", pair(tiles.columns, tiles.rows));
    out.put("canvas", pair(tiles.canvasWidth, tiles.canvasHeight));
    out.put("tiles", (long) tiles.tiles());
    out.put("thumbnail", tiles.thumbnail);
    out.put("images_to_encode", (long) imagesToEncode());
    out.put("tokens_per_tile", (long) tokensPerImage);
    out.put("image_tokens", (long) imageTokens());
    out.put("resize", tiles.resize);
    out.put("content", pair(tiles.contentWidth, tiles.contentHeight));
    List<Object> boxes = new ArrayList<>();
    for (int[] b : tileBoxes()) {
      boxes.add(Arrays.<Object>asList((long) b[0], (long) b[1], (long) b[2], (long) b[3]));
    }
    out.put("tile_boxes", boxes);
    out.put("encoder_order", new ArrayList<Object>(encoderOrder));
    List<Object> runList = new ArrayList<>();
    for (Run r : runs) {
      runList.add(r.toJson());
    }
    out.put("runs", runList);
    return out;
  }

  static List<Object> pair(int a, int b) {
    return Arrays.<Object>asList((long) a, (long) b);
  }

  @Override
  public String toString() {
    return kind + " " + tiles.columns + ":" + tiles.rows + ", " + imagesToEncode() + " image(s), "
        + imageTokens() + " tokens";
  }
}
