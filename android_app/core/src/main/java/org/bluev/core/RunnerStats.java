package org.bluev.core;

import java.util.Map;

/**
 * Reads the statistics JSON ExecuTorch's LLM runners report ({@code LlmCallback.onStats}, written
 * by {@code stats_to_json_string} in extension/llm/runner/stats.h) into bluev's {@link Stats}, so
 * the stock-runner path reports the same fields as the host.
 *
 * <p>Timestamps are in units of {@code SCALING_FACTOR_UNITS_PER_SECOND} (1000: milliseconds).
 * Prefill runs from {@code inference_start_ms} to {@code prompt_eval_end_ms}. The first answer
 * token comes out of prefill; {@code generated_tokens} counts the decode steps after it (the
 * runners' TextTokenGenerator returns {@code pos - start_pos}), made between {@code
 * first_token_ms} and {@code inference_end_ms}: the host's {@code decode_tokens}, as the host's
 * benchmarks read the same stats (benchmarks/runners.py).
 */
public final class RunnerStats {
  private RunnerStats() {}

  /** Fills the prefill, decode and first-token fields of {@code into} from the runner's JSON. */
  public static void fill(String json, Stats into) {
    Map<String, Object> m = Fields.asObject(Json.parse(json), "runner stats");
    double unit = Fields.has(m, "SCALING_FACTOR_UNITS_PER_SECOND")
        ? Fields.number(m, "SCALING_FACTOR_UNITS_PER_SECOND")
        : 1000.0;
    double toMs = 1000.0 / unit;
    double start = Fields.number(m, "inference_start_ms");
    double promptEnd = Fields.number(m, "prompt_eval_end_ms");
    double first = Fields.number(m, "first_token_ms");
    double end = Fields.number(m, "inference_end_ms");
    long generated = Fields.integer(m, "generated_tokens");
    into.prefillTokens = (int) Fields.integer(m, "prompt_tokens");
    into.prefillMs = (promptEnd - start) * toMs;
    into.ttftMs = (first - start) * toMs;
    into.decodeTokens = (int) generated;
    into.decodeMs = (end - first) * toMs;
  }
}
