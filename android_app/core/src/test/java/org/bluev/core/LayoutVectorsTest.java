package org.bluev.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.Test;

/**
 * The Java layouts reproduce every case of tests/data/layout_vectors.json, every field the case
 * records. A layout of a kind this app has no reader for fails every one of its cases ("unknown
 * layout kind"), never skipped: a family added to the vectors must be ported to pass.
 */
public class LayoutVectorsTest {
  @Test
  public void everyVectorMatches() throws Exception {
    Map<String, Object> root = Fields.asObject(Json.parse(TestFiles.layoutVectors()), "vectors");
    assertEquals("bluev-layout-vectors", Fields.string(root, "format"));
    assertEquals(1L, Fields.integer(root, "version"));
    Map<String, Object> described = Fields.object(root, "layouts");
    List<String> failures = new ArrayList<>();
    Map<String, Layout> layouts = new LinkedHashMap<>();
    for (String name : described.keySet()) {
      try {
        layouts.put(name, Layouts.forVector(Fields.asObject(described.get(name), name)));
      } catch (IllegalArgumentException | JsonException ex) {
        failures.add("layout " + name + ": " + ex.getMessage());
      }
    }
    List<Object> cases = Fields.list(root, "cases");
    assertTrue("the vectors file has too few cases: " + cases.size(), cases.size() >= 100);
    Set<String> used = new LinkedHashSet<>();
    int matched = 0;
    for (Object c : cases) {
      Map<String, Object> vec = Fields.asObject(c, "case");
      String id = Fields.string(vec, "id");
      String name = Fields.string(vec, "layout");
      used.add(name);
      if (!described.containsKey(name)) {
        failures.add(id + ": layout " + name + " is not in the file's layouts");
        continue;
      }
      Layout layout = layouts.get(name);
      if (layout == null) {
        failures.add(id + ": not planned (layout " + name + " has no Java reader)");
        continue;
      }
      ImagePlan plan =
          layout.plan((int) Fields.integer(vec, "width"), (int) Fields.integer(vec, "height"));
      int before = failures.size();
      compare(id, Fields.object(vec, "expect"), plan.summary(), failures);
      if (failures.size() == before) {
        matched++;
      }
    }
    assertEquals("every layout has cases", described.keySet(), used);
    System.out.println("layout vectors: " + matched + "/" + cases.size() + " cases match, "
        + layouts.size() + "/" + described.size() + " layouts read");
    assertTrue(failures.size() + " mismatches:\n" + String.join("\n", failures), failures.isEmpty());
  }

  /** Every key the vector records is compared, and the plan may not know fewer or more keys. */
  private static void compare(
      String id, Map<String, Object> want, Map<String, Object> got, List<String> failures) {
    for (String key : want.keySet()) {
      if (!got.containsKey(key)) {
        failures.add(id + ": the vectors record '" + key + "', which the Java plan does not have");
      } else if (!want.get(key).equals(got.get(key))) {
        failures.add(id + ": " + key + " = " + got.get(key) + ", expected " + want.get(key));
      }
    }
    for (String key : got.keySet()) {
      if (!want.containsKey(key)) {
        failures.add(id + ": the Java plan has '" + key + "', which the vectors do not record");
      }
    }
  }
}
