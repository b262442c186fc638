package org.bluev.core;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The result file of the app's benchmark entry point, schema {@code bluev-bench-result/1}, which
 * {@code bluev bench adb --runner app} pulls from the phone. The key names are a fixed contract
 * with the host side: change them only together with it.
 */
public final class BenchResult {
  public static final String SCHEMA = "bluev-bench-result/1";

  /** One generation: the host's stats plus whether it was a warmup run. */
  public static final class Run {
    public final boolean warmup;
    public final Stats stats;

    public Run(boolean warmup, Stats stats) {
      this.warmup = warmup;
      this.stats = stats;
    }

    Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("warmup", warmup);
      m.put("tiles", (long) stats.tiles);
      m.put("image_encode_ms", Stats.round(stats.imageEncodeMs, 2));
      m.put("prefill_tokens", (long) stats.prefillTokens);
      m.put("prefill_tok_s", stats.prefillTokS());
      m.put("decode_tokens", (long) stats.decodeTokens);
      m.put("decode_tok_s", stats.decodeTokS());
      m.put("ttft_ms", Stats.round(stats.ttftMs, 2));
      m.put("peak_rss_mb", Stats.round(stats.peakRssMb, 1));
      m.put("stop_reason", stats.stopReason);
      return m;
    }
  }

  private final String backend;
  private final Map<String, Object> device;
  private final List<Run> runs = new ArrayList<>();
  private String error;

  /**
   * @param backend the manifest's LLM backend, or null when the manifest could not be read
   * @param device e.g. {"model": Build.MODEL, "soc": Build.SOC_MODEL, ...}; copied
   */
  public BenchResult(String backend, Map<String, Object> device) {
    this.backend = backend;
    this.device = new LinkedHashMap<>(device);
  }

  public void add(Run run) {
    runs.add(run);
  }

  /** Marks the benchmark failed; the runs that completed stay in the file. */
  public void fail(String message) {
    error = message;
  }

  public List<Run> runs() {
    return Collections.unmodifiableList(new ArrayList<>(runs));
  }

  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("schema", SCHEMA);
    m.put("runner", "app");
    m.put("backend", backend);
    m.put("device", device);
    List<Object> list = new ArrayList<>();
    for (Run r : runs) {
      list.add(r.toMap());
    }
    m.put("runs", list);
    m.put("error", error);
    return m;
  }

  public String toJson() {
    return Json.write(toMap()) + "\n";
  }

  /** Writes the result atomically ({@code <name>.part}, then rename). */
  public void writeTo(File target) throws IOException {
    AtomicFile.writeText(target, toJson());
  }

  /**
   * A result name from the intent must be a plain file name ending in .json: it is joined to the
   * app's bench directory, and a path there could write outside it.
   */
  public static String checkName(String name) {
    if (name == null
        || !name.endsWith(".json")
        || name.length() <= ".json".length()
        || name.contains("/")
        || name.contains("\\")
        || name.startsWith(".")) {
      throw new IllegalArgumentException(
          "result_name '" + name + "': expected a plain file name ending in .json");
    }
    return name;
  }
}
