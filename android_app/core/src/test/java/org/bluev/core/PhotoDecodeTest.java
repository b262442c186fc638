package org.bluev.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.Test;

/**
 * The app decodes a photo at the size its tile plan needs, by the rule the host gives Pillow
 * (runtime/image.py open_for_tiling): checked against the Python tiler's canvas for every tiling
 * vector, and against the sizes Pillow actually decoded real JPEGs to (decode vectors).
 */
public class PhotoDecodeTest {
  @Test
  public void subsamplingCoversThePythonCanvasAndNoMore() throws Exception {
    Map<String, Object> root = Fields.asObject(Json.parse(TestFiles.tilingVectors()), "vectors");
    List<String> failures = new ArrayList<>();
    int subsampled = 0;
    for (Object c : Fields.list(root, "cases")) {
      Map<String, Object> vec = Fields.asObject(c, "case");
      int w = (int) Fields.integer(vec, "width");
      int h = (int) Fields.integer(vec, "height");
      TilerConfig cfg = TilerConfig.fromJson(Fields.object(vec, "params"));
      TilePlan plan = Tiler.plan(w, h, cfg);
      List<Long> canvas = Fields.integers(Fields.object(vec, "expect"), "canvas"); // Python's
      int needW = (int) Math.max(canvas.get(0), cfg.tileSize);
      int needH = (int) Math.max(canvas.get(1), cfg.tileSize);
      int s = PhotoDecode.sampleSize(w, h, plan);
      int[] got = PhotoDecode.decodedSize(w, h, s);
      boolean covers = w < needW || h < needH || (got[0] >= needW && got[1] >= needH);
      // The next power of two would not cover the canvas (or is past libjpeg's 1/8).
      boolean minimal = s == 8 || w / (2 * s) < needW || h / (2 * s) < needH;
      if (!covers || !minimal || s < 1 || Integer.bitCount(s) != 1) {
        failures.add(Fields.string(vec, "id") + ": sample " + s + " -> " + got[0] + "x" + got[1]);
      }
      subsampled += s > 1 ? 1 : 0;
    }
    assertTrue(String.join("\n", failures), failures.isEmpty());
    assertTrue("too few vectors exercise subsampling: " + subsampled, subsampled >= 40);
  }

  @Test
  public void decodedSizesMatchPillowsDraft() throws Exception {
    Map<String, Object> root = Fields.asObject(Json.parse(TestFiles.decodeVectors()), "vectors");
    assertEquals("bluev-decode-vectors", Fields.string(root, "format"));
    List<Object> cases = Fields.list(root, "cases");
    assertTrue(cases.size() >= 50);
    List<String> failures = new ArrayList<>();
    for (Object c : cases) {
      Map<String, Object> vec = Fields.asObject(c, "case");
      Map<String, Object> want = Fields.object(vec, "expect");
      List<Long> stored = Fields.integers(vec, "stored");
      boolean rotated = Fields.has(vec, "orientation") && Fields.integer(vec, "orientation") >= 5;
      // ImageDecoder reports the upright size (it applies the EXIF orientation), as the host does.
      int w = (int) (long) stored.get(rotated ? 1 : 0);
      int h = (int) (long) stored.get(rotated ? 0 : 1);
      TilePlan plan = Tiler.plan(w, h, TilerConfig.fromJson(Fields.object(vec, "params")));
      int[] got = PhotoDecode.decodedSize(w, h, PhotoDecode.sampleSize(w, h, plan));
      List<Long> actual = List.of((long) got[0], (long) got[1]);
      List<Long> canvas = List.of((long) plan.canvasWidth, (long) plan.canvasHeight);
      if (!actual.equals(Fields.integers(want, "decoded"))
          || !canvas.equals(Fields.integers(want, "canvas"))
          || !List.of((long) w, (long) h).equals(Fields.integers(want, "upright"))) {
        failures.add(Fields.string(vec, "id") + ": decoded " + actual + " canvas " + canvas + ", expected " + want);
      }
    }
    assertTrue(String.join("\n", failures), failures.isEmpty());
  }

  @Test
  public void twelveAndFortyEightMegapixelPhotos() {
    TilerConfig phone = TilerConfig.fromJson(Fields.asObject(Json.parse(
        "{\"policy\": \"relaxed\", \"tile_size\": 384, \"alpha\": 0.1, \"min_tiles\": 1,"
            + " \"max_tiles\": 8, \"grids\": null, \"thumbnail\": true, \"tokens_per_tile\": 196}"), "cfg"));
    TilePlan p12 = Tiler.plan(4000, 3000, phone);
    assertEquals(2, PhotoDecode.sampleSize(4000, 3000, p12)); // 2000x1500: a quarter of the pixels
    TilePlan p48 = Tiler.plan(8000, 6000, phone);
    assertEquals(4, PhotoDecode.sampleSize(8000, 6000, p48)); // 2000x1500: a sixteenth
  }
}
