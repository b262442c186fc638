package org.bluev.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The benchmark result file: the key names are the contract with `bluev bench adb --runner app`. */
public class BenchResultTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  private static Stats stats(String stop) {
    Stats s = new Stats();
    s.tiles = 1;
    s.imageEncodeMs = 120.456;
    s.prefillTokens = 230;
    s.prefillMs = 500;
    s.decodeTokens = 31;
    s.decodeMs = 1000;
    s.ttftMs = 640.004;
    s.peakRssMb = 301.25;
    s.stopReason = stop;
    return s;
  }

  private static Map<String, Object> device() {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("model", "Pixel 8");
    d.put("soc", "Tensor G3");
    d.put("sdk", 34L);
    return d;
  }

  @Test
  public void writesAndReadsBackWithTheContractKeys() throws Exception {
    BenchResult r = new BenchResult("xnnpack", device());
    r.add(new BenchResult.Run(true, stats("max_new_tokens")));
    r.add(new BenchResult.Run(false, stats("eos")));
    File target = new File(tmp.getRoot(), "bench/run1.json");
    r.writeTo(target);
    assertFalse(new File(target.getPath() + ".part").exists());

    Map<String, Object> back =
        Fields.asObject(
            Json.parse(new String(Files.readAllBytes(target.toPath()), StandardCharsets.UTF_8)),
            "result");
    assertEquals(
        List.of("schema", "runner", "backend", "device", "runs", "error"),
        List.copyOf(back.keySet()));
    assertEquals("bluev-bench-result/1", back.get("schema"));
    assertEquals("app", back.get("runner"));
    assertEquals("xnnpack", back.get("backend"));
    assertEquals("Pixel 8", Fields.object(back, "device").get("model"));
    assertEquals("Tensor G3", Fields.object(back, "device").get("soc"));
    assertTrue(back.containsKey("error"));
    assertNull(back.get("error"));
    List<Object> runs = Fields.list(back, "runs");
    assertEquals(2, runs.size());
    Map<String, Object> run = Fields.asObject(runs.get(1), "run");
    assertEquals(
        List.of("warmup", "tiles", "image_encode_ms", "prefill_tokens", "prefill_tok_s",
            "decode_tokens", "decode_tok_s", "ttft_ms", "peak_rss_mb", "stop_reason"),
        List.copyOf(run.keySet()));
    assertEquals(Boolean.FALSE, run.get("warmup"));
    assertEquals(Boolean.TRUE, Fields.asObject(runs.get(0), "run").get("warmup"));
    assertEquals(1L, run.get("tiles"));
    assertEquals(120.46, run.get("image_encode_ms"));
    assertEquals(230L, run.get("prefill_tokens"));
    assertEquals(460.0, run.get("prefill_tok_s"));
    assertEquals(31L, run.get("decode_tokens"));
    assertEquals(31.0, run.get("decode_tok_s"));
    assertEquals(640.0, run.get("ttft_ms"));
    assertEquals(301.2, run.get("peak_rss_mb"));
    assertEquals("eos", run.get("stop_reason"));
    // Floats stay floats even when whole, so a strict reader sees the documented types.
    assertTrue(run.get("decode_tok_s") instanceof Double);
  }

  @Test
  public void failureKeepsCompletedRunsAndTheMessage() throws Exception {
    BenchResult r = new BenchResult(null, device());
    r.add(new BenchResult.Run(true, stats("eos")));
    r.fail("out of memory during run 2");
    File target = new File(tmp.getRoot(), "r.json");
    Files.write(target.toPath(), "old".getBytes(StandardCharsets.UTF_8));
    r.writeTo(target); // replaces an older result whole
    Map<String, Object> back =
        Fields.asObject(Json.parse(Files.readString(target.toPath())), "result");
    assertEquals("out of memory during run 2", back.get("error"));
    assertNull(back.get("backend"));
    assertEquals(1, Fields.list(back, "runs").size());
  }

  @Test
  public void resultNameMustBeAPlainJsonFileName() {
    assertEquals("a.json", BenchResult.checkName("a.json"));
    for (String bad : new String[] {null, "a.txt", ".json", "../a.json", "x/a.json", ".a.json"}) {
      assertThrows(IllegalArgumentException.class, () -> BenchResult.checkName(bad));
    }
  }
}
