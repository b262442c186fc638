package org.bluev.core;

/** The grid chosen for one image size and what it costs downstream (runtime/tiler.py TilePlan). */
public final class TilePlan {
  public final String policy;
  public final int imageWidth;
  public final int imageHeight;
  public final int columns;
  public final int rows;
  public final int canvasWidth;
  public final int canvasHeight;
  public final int tileSize;
  public final boolean thumbnail;
  public final int tokensPerTile;
  /** "fit-pad" (keep aspect, centre on black) or "stretch" (InternVL). */
  public final String resize;
  public final int contentWidth;
  public final int contentHeight;
  /**
   * How the whole picture is put on the thumbnail tile: {@link #resize} for bluev's tiler,
   * "stretch" for LLaVA's base image (layout.processor.thumbnail_resize).
   */
  public final String thumbnailResize;

  TilePlan(
      String policy,
      int imageWidth,
      int imageHeight,
      int columns,
      int rows,
      int tileSize,
      boolean thumbnail,
      int tokensPerTile,
      String resize,
      int contentWidth,
      int contentHeight) {
    this(policy, imageWidth, imageHeight, columns, rows, tileSize, thumbnail, tokensPerTile, resize,
        contentWidth, contentHeight, resize);
  }

  TilePlan(
      String policy,
      int imageWidth,
      int imageHeight,
      int columns,
      int rows,
      int tileSize,
      boolean thumbnail,
      int tokensPerTile,
      String resize,
      int contentWidth,
      int contentHeight,
      String thumbnailResize) {
    this.policy = policy;
    this.imageWidth = imageWidth;
    this.imageHeight = imageHeight;
    this.columns = columns;
    this.rows = rows;
    this.canvasWidth = tileSize * columns;
    this.canvasHeight = tileSize * rows;
    this.tileSize = tileSize;
    this.thumbnail = thumbnail;
    this.tokensPerTile = tokensPerTile;
    this.resize = resize;
    this.contentWidth = contentWidth;
    this.contentHeight = contentHeight;
    this.thumbnailResize = thumbnailResize;
  }

  public int tiles() {
    return columns * rows;
  }

  public int imagesToEncode() {
    return tiles() + (thumbnail ? 1 : 0);
  }

  /** LLM tokens of bluev's own layout; a family layout counts its own ({@link ImagePlan#imageTokens}). */
  public int imageTokens() {
    return imagesToEncode() * tokensPerTile;
  }

  /** Left edge of tile {@code index} on the canvas; tiles are row-major. */
  public int tileLeft(int index) {
    return (index % columns) * tileSize;
  }

  /** Top edge of tile {@code index} on the canvas. */
  public int tileTop(int index) {
    return (index / columns) * tileSize;
  }

  /** Where the resized image sits on the canvas: Python's {@code (canvas - content) // 2}. */
  public int contentLeft() {
    return (canvasWidth - contentWidth) / 2;
  }

  public int contentTop() {
    return (canvasHeight - contentHeight) / 2;
  }

  /**
   * {width, height} of the whole image on the thumbnail tile: the same rule as the tiles, as
   * {@code thumbnail_of} in runtime/image.py (stretch for InternVL, else fit and centre), or
   * LLaVA's base image stretched onto the tile ({@link #thumbnailResize}).
   */
  public int[] thumbnailContent() {
    if (thumbnailResize.equals("stretch")) {
      return new int[] {tileSize, tileSize};
    }
    return Tiler.fitSize(imageWidth, imageHeight, tileSize, tileSize);
  }

  @Override
  public String toString() {
    return columns + ":" + rows + (thumbnail ? " +thumb" : "") + ", " + imageTokens() + " tokens";
  }
}
