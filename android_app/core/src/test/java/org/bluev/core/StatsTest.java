package org.bluev.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.Test;

public class StatsTest {
  @Test
  public void roundIsPythonsHalfEvenOnTheExactBinaryValue() {
    // python3 -c 'print(round(2.675, 2), round(0.125, 2), round(0.375, 2), round(1.25, 1), ...)'
    assertEquals(2.67, Stats.round(2.675, 2), 0);
    assertEquals(0.12, Stats.round(0.125, 2), 0);
    assertEquals(0.38, Stats.round(0.375, 2), 0);
    assertEquals(1.2, Stats.round(1.25, 1), 0);
    assertEquals(0.1, Stats.round(0.05, 1), 0);
    assertEquals(12.35, Stats.round(12.3456, 2), 0);
    assertEquals(2333.33, Stats.round(7.0 / 3 * 1000, 2), 0);
  }

  @Test
  public void ratesAsTheHostComputesThem() {
    assertEquals(540.54, Stats.rate(20, 37), 0); // round(20 / (37 / 1000.0), 2)
    assertEquals(553513.51, Stats.rate(2048, 3.7), 0);
    assertEquals(0.0, Stats.rate(5, 0), 0);
  }

  @Test
  public void mapHasTheHostKeysInOrder() {
    Stats s = new Stats();
    s.tiles = 5;
    s.imageEncodeMs = 812.3456;
    s.prefillTokens = 1022;
    s.prefillMs = 2000;
    s.decodeTokens = 10;
    s.decodeMs = 400;
    s.ttftMs = 2900.111;
    s.peakRssMb = 812.26;
    s.stopReason = "eos";
    Map<String, Object> m = s.toMap();
    assertEquals(
        List.of("tiles", "image_encode_ms", "prefill_tokens", "prefill_tok_s", "decode_tokens",
            "decode_tok_s", "ttft_ms", "peak_rss_mb", "stop_reason"),
        List.copyOf(m.keySet()));
    assertEquals(812.35, m.get("image_encode_ms"));
    assertEquals(511.0, m.get("prefill_tok_s"));
    assertEquals(25.0, m.get("decode_tok_s"));
    assertEquals(812.3, m.get("peak_rss_mb"));
    String line = s.summaryLine();
    assertTrue(line, line.startsWith("5 tiles, encode 812 ms | prefill 1022 tok, 511.0 tok/s"));
    assertTrue(line, line.contains("decode 10 tok, 25.0 tok/s"));
  }

  @Test
  public void peakRssFromProcStatus() {
    String status = "Name:\tbluev\nVmPeak:\t  900000 kB\nVmHWM:\t  524288 kB\nVmRSS:\t 1000 kB\n";
    assertEquals(512.0, ProcStatus.peakRssMb(status), 0);
    assertEquals(0.0, ProcStatus.peakRssMb("Name:\tx\n"), 0);
  }
}
