package org.bluev.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import org.junit.Test;

public class RunnerStatsTest {
  // The shape stats_to_json_string writes (extension/llm/runner/stats.h), CPU-only build.
  private static final String JSON =
      "{\"prefill_token_per_sec\":400,\"decode_token_per_sec\":26.25,\"prompt_tokens\":40,"
          + "\"generated_tokens\":21,\"model_load_start_ms\":1000,\"model_load_end_ms\":1500,"
          + "\"inference_start_ms\":2000,\"inference_end_ms\":2900,\"model_execution_start_ms\":0,"
          + "\"model_execution_end_ms\":0,\"prompt_eval_end_ms\":2100,\"first_token_ms\":2100,"
          + "\"aggregate_sampling_time_ms\":12,\"aggregate_model_execution_time_ms\":880,"
          + "\"SCALING_FACTOR_UNITS_PER_SECOND\":1000}";

  @Test
  public void mapsRunnerTimestampsToHostFields() {
    Stats s = new Stats();
    RunnerStats.fill(JSON, s);
    assertEquals(40, s.prefillTokens);
    assertEquals(100.0, s.prefillMs, 0);
    assertEquals(400.0, s.prefillTokS(), 0);
    assertEquals(100.0, s.ttftMs, 0);
    assertEquals(21, s.decodeTokens); // decode steps; the prefill's token is not among them
    assertEquals(800.0, s.decodeMs, 0);
    assertEquals(26.25, s.decodeTokS(), 0); // what the runner's own decode_token_per_sec says
  }

  @Test
  public void missingFieldIsNamed() {
    JsonException ex =
        assertThrows(JsonException.class, () -> RunnerStats.fill("{\"prompt_tokens\": 1}", new Stats()));
    assertEquals("inference_start_ms: missing", ex.getMessage());
  }
}
