package org.bluev.core;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.List;
import org.junit.Test;

/** Tiler behaviour beyond the vectors: the paper's examples, ordering, layout helpers. */
public class TilerTest {
  @Test
  public void paperExampleRelaxedKeepsOneTileWhereLlavaNextEnlarges() {
    TilePlan relaxed = Tiler.plan(394, 390, TilerConfig.defaults());
    assertEquals(1, relaxed.tiles());
    assertFalse(relaxed.thumbnail);
    TilerConfig llava = new TilerConfig("llava-next", 384, 0.1, 1, 9, null, true, 196);
    TilePlan enlarged = Tiler.plan(394, 390, llava);
    assertEquals(4, enlarged.tiles());
    assertEquals(5 * 196, enlarged.imageTokens());
  }

  @Test
  public void candidateOrderIsFewestTilesThenFewestColumns() {
    TilerConfig cfg = new TilerConfig("relaxed", 384, 0.1, 1, 4, null, true, 196);
    List<int[]> grids = cfg.candidateGrids();
    int[][] want = {{1, 1}, {1, 2}, {2, 1}, {1, 3}, {3, 1}, {1, 4}, {2, 2}, {4, 1}};
    assertEquals(want.length, grids.size());
    for (int i = 0; i < want.length; i++) {
      assertArrayEquals(want[i], grids.get(i));
    }
  }

  @Test
  public void explicitGridsAreDeduplicatedAndSorted() {
    TilerConfig cfg =
        new TilerConfig(
            "relaxed", 384, 0.1, 1, 9,
            List.of(new int[] {2, 2}, new int[] {1, 1}, new int[] {2, 2}, new int[] {2, 1}),
            true, 196);
    List<int[]> grids = cfg.candidateGrids();
    assertEquals(3, grids.size());
    assertArrayEquals(new int[] {1, 1}, grids.get(0));
    assertArrayEquals(new int[] {2, 1}, grids.get(1));
    assertArrayEquals(new int[] {2, 2}, grids.get(2));
  }

  @Test
  public void layoutMatchesRuntimeImagePy() {
    // Expected values printed by runtime/tiler.py (plan_tiles, fit_size) and image.py's offsets.
    TilePlan wide = Tiler.plan(1920, 1080, TilerConfig.defaults());
    assertEquals(4, wide.columns);
    assertEquals(2, wide.rows);
    assertEquals(1366, wide.contentWidth);
    assertEquals(768, wide.contentHeight);
    assertEquals(85, wide.contentLeft());
    assertEquals(0, wide.contentTop());
    assertArrayEquals(new int[] {384, 216}, wide.thumbnailContent());
    assertEquals(384, wide.tileLeft(5)); // tile 5 of a 4x2 grid: column 1 of row 1
    assertEquals(384, wide.tileTop(5));

    TilePlan tall = Tiler.plan(395, 1000, TilerConfig.defaults());
    assertEquals(1, tall.columns);
    assertEquals(3, tall.rows);
    assertEquals(973, tall.contentHeight);
    assertEquals(89, tall.contentTop());
    assertArrayEquals(new int[] {152, 384}, tall.thumbnailContent());
    assertEquals(768, tall.tileTop(2));
  }

  @Test
  public void badConfigsAndSizesAreRefused() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new TilerConfig("anyres", 384, 0.1, 1, 9, null, true, 196));
    assertThrows(
        IllegalArgumentException.class,
        () -> new TilerConfig("relaxed", 384, 1.0, 1, 9, null, true, 196));
    assertThrows(
        IllegalArgumentException.class,
        () -> new TilerConfig("relaxed", 384, 0.1, 3, 2, null, true, 196));
    assertThrows(
        IllegalArgumentException.class,
        () -> Tiler.plan(0, 10, TilerConfig.defaults()));
    assertTrue(Tiler.plan(10, 10, TilerConfig.defaults()).toString().startsWith("1:1"));
  }
}
