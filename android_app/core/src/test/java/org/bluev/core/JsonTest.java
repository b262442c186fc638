package org.bluev.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.Test;

public class JsonTest {
  @Test
  public void parsesEveryKindOfValue() {
    Map<String, Object> m =
        Fields.asObject(
            Json.parse(
                " {\"i\": -12, \"d\": 2.5e1, \"s\": \"a\\\"b\\n\\u00e9\\/\", \"t\": true,"
                    + " \"f\": false, \"n\": null, \"l\": [1, [], {}], \"big\": 12345678901234567890}"),
            "doc");
    assertEquals(-12L, m.get("i"));
    assertEquals(25.0, m.get("d"));
    assertEquals("a\"b\n\u00e9/", m.get("s"));
    assertEquals(Boolean.TRUE, m.get("t"));
    assertEquals(Boolean.FALSE, m.get("f"));
    assertTrue(m.containsKey("n"));
    assertNull(m.get("n"));
    assertEquals(Arrays.asList(1L, List.of(), Map.of()), m.get("l"));
    assertEquals(1.2345678901234567e19, m.get("big")); // beyond long: a double, as Python floats it
    assertEquals(List.of("i", "d", "s", "t", "f", "n", "l", "big"), List.copyOf(m.keySet()));
  }

  @Test
  public void writesWhatPythonJsonDumpsWritesForAsciiText() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("a", Arrays.asList(1L, 2.5, null, true));
    m.put("b", "x\"y\n\u0001");
    // python3 -c 'import json; print(json.dumps({"a": [1, 2.5, None, True], "b": "x\"y\n\x01"}))'
    assertEquals("{\"a\": [1, 2.5, null, true], \"b\": \"x\\\"y\\n\\u0001\"}", Json.write(m));
  }

  @Test
  public void roundTripsTheManifestFixture() throws Exception {
    Object first = Json.parse(TestFiles.manifest("tiny-xnnpack"));
    assertEquals(first, Json.parse(Json.write(first)));
  }

  @Test
  public void rejectsMalformedJsonWithAnOffset() {
    for (String bad :
        new String[] {"", "{", "[1,]", "{\"a\" 1}", "tru", "\"open", "1 2", "{'a': 1}", "01x"}) {
      JsonException ex = assertThrows(JsonException.class, () -> Json.parse(bad));
      assertTrue(bad + " -> " + ex.getMessage(), ex.getMessage().contains("offset"));
    }
  }

  @Test
  public void refusesNanBecauseJsonHasNone() {
    assertThrows(JsonException.class, () -> Json.write(Double.NaN));
  }
}
