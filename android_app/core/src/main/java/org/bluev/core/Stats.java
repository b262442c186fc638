package org.bluev.core;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What one generation cost, with the same fields and rounding as {@code Stats.to_dict} in
 * runtime/pipeline.py, so phone and host numbers read the same.
 */
public final class Stats {
  public int tiles;
  public double imageEncodeMs;
  public int prefillTokens;
  public double prefillMs;
  public int decodeTokens;
  public double decodeMs;
  public double ttftMs;
  public double peakRssMb;
  public String stopReason = "";
  /** A spoken question's transcription (the set's speech programs), or -1 for a typed one. */
  public double transcribeMs = -1;

  /** Tokens per second, 0 when no time was measured (as the host reports it). */
  public static double rate(int tokens, double ms) {
    return ms > 0 ? round(tokens / (ms / 1000.0), 2) : 0.0;
  }

  public double prefillTokS() {
    return rate(prefillTokens, prefillMs);
  }

  public double decodeTokS() {
    return rate(decodeTokens, decodeMs);
  }

  /**
   * Python's {@code round(x, digits)}: the exact binary value rounded half-to-even, which is what
   * {@link BigDecimal#BigDecimal(double)} with {@link RoundingMode#HALF_EVEN} does (2.675 -> 2.67,
   * 0.125 -> 0.12). {@link Math#round} would round half up and disagree with the host.
   */
  public static double round(double x, int digits) {
    if (Double.isNaN(x) || Double.isInfinite(x)) {
      return x;
    }
    return new BigDecimal(x).setScale(digits, RoundingMode.HALF_EVEN).doubleValue();
  }

  /** The host's {@code stats} object: same keys, same order, same rounding. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("tiles", (long) tiles);
    m.put("image_encode_ms", round(imageEncodeMs, 2));
    m.put("prefill_tokens", (long) prefillTokens);
    m.put("prefill_tok_s", prefillTokS());
    m.put("decode_tokens", (long) decodeTokens);
    m.put("decode_tok_s", decodeTokS());
    m.put("ttft_ms", round(ttftMs, 2));
    m.put("peak_rss_mb", round(peakRssMb, 1));
    m.put("stop_reason", stopReason);
    if (transcribeMs >= 0) {
      m.put("transcribe_ms", round(transcribeMs, 2));
    }
    return m;
  }

  /** One line for the screen, like the host's stats line on stderr. */
  public String summaryLine() {
    return String.format(
        Locale.ROOT,
        "%d tiles, encode %.0f ms | prefill %d tok, %.1f tok/s | decode %d tok, %.1f tok/s"
            + " | first token %.0f ms | peak %.0f MB",
        tiles,
        imageEncodeMs,
        prefillTokens,
        prefillTokS(),
        decodeTokens,
        decodeTokS(),
        ttftMs,
        peakRssMb);
  }
}
