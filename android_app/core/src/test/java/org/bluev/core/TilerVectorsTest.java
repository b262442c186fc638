package org.bluev.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.Test;

/** The Java tiler reproduces every case of tests/data/tiling_vectors.json, every field. */
public class TilerVectorsTest {
  @Test
  public void everyVectorMatches() throws Exception {
    Map<String, Object> root = Fields.asObject(Json.parse(TestFiles.tilingVectors()), "vectors");
    assertEquals("bluev-tiling-vectors", Fields.string(root, "format"));
    assertEquals(1L, Fields.integer(root, "version"));
    List<Object> cases = Fields.list(root, "cases");
    assertTrue("the vectors file has too few cases: " + cases.size(), cases.size() >= 300);
    List<String> failures = new ArrayList<>();
    for (Object c : cases) {
      Map<String, Object> vec = Fields.asObject(c, "case");
      String id = Fields.string(vec, "id");
      TilerConfig cfg = TilerConfig.fromJson(Fields.object(vec, "params"));
      TilePlan plan =
          Tiler.plan((int) Fields.integer(vec, "width"), (int) Fields.integer(vec, "height"), cfg);
      Map<String, Object> want = Fields.object(vec, "expect");
      // Compare every key the vector records, so a field added to the vectors cannot go unchecked.
      for (String key : want.keySet()) {
        Object got = actual(plan, key);
        if (!want.get(key).equals(got)) {
          failures.add(id + ": " + key + " = " + got + ", expected " + want.get(key));
        }
      }
    }
    System.out.println("tiling vectors: " + (cases.size() - failures.size()) + "/" + cases.size()
        + " cases match");
    assertTrue(failures.size() + " mismatches:\n" + String.join("\n", failures), failures.isEmpty());
  }

  private static Object actual(TilePlan plan, String key) {
    switch (key) {
      case "grid":
        return List.of((long) plan.columns, (long) plan.rows);
      case "canvas":
        return List.of((long) plan.canvasWidth, (long) plan.canvasHeight);
      case "tiles":
        return (long) plan.tiles();
      case "thumbnail":
        return plan.thumbnail;
      case "images_to_encode":
        return (long) plan.imagesToEncode();
      case "image_tokens":
        return (long) plan.imageTokens();
      case "resize":
        return plan.resize;
      case "content":
        return List.of((long) plan.contentWidth, (long) plan.contentHeight);
      default:
        throw new AssertionError("the vectors record '" + key + "', which this test does not know");
    }
  }
}
