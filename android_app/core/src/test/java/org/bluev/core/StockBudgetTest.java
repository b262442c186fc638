package org.bluev.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import org.junit.Test;

/** The stock runner's budget: seq_len in, stats out (ExecuTorch's resolve_max_new_tokens rule). */
public class StockBudgetTest {
  /** What ExecuTorch's runner does with seq_len: answer tokens it may produce after prefill. */
  private static int runnerAnswerTokens(int seqLen, int maxContextLen, int filled) {
    return Math.max(0, Math.min(seqLen, maxContextLen) - filled);
  }

  @Test
  public void seqLenGivesExactlyTheBudget() {
    for (int filled : new int[] {1, 40, 1022, 2000}) {
      for (int budget : new int[] {1, 16, 64, 256}) {
        int seqLen = StockBudget.seqLen(filled, budget, 2048);
        assertEquals(Math.min(budget, 2048 - filled), runnerAnswerTokens(seqLen, 2048, filled));
      }
    }
  }

  @Test
  public void aPromptThatFillsTheContextIsRefused() {
    String msg = assertThrows(IllegalArgumentException.class, () -> StockBudget.seqLen(2048, 8, 2048)).getMessage();
    assertEquals("the prompt is 2048 tokens, over the model's context of 2048 (max_seq_len); ask a shorter question", msg);
    assertThrows(IllegalArgumentException.class, () -> StockBudget.seqLen(10, 0, 2048));
  }

  @Test
  public void stopReasonFromTheStats() {
    // generated_tokens are decode steps: 63 of them plus the prefill's token make 64.
    assertEquals("max_new_tokens", StockBudget.stopReason(40, 63, 64, 2048, false));
    assertEquals("eos", StockBudget.stopReason(40, 20, 64, 2048, false));
    assertEquals("context_full", StockBudget.stopReason(2000, 47, 64, 2048, false));
    assertEquals("stopped", StockBudget.stopReason(40, 63, 64, 2048, true));
    assertEquals(64, StockBudget.answerTokens(63));
  }

  @Test
  public void readsTheRunnerStatsJson() {
    // A run that used its whole budget of 22 answer tokens: 21 decode steps.
    String json =
        "{\"prompt_tokens\":40,\"generated_tokens\":21,\"inference_start_ms\":2000,"
            + "\"inference_end_ms\":2900,\"prompt_eval_end_ms\":2100,\"first_token_ms\":2100,"
            + "\"SCALING_FACTOR_UNITS_PER_SECOND\":1000}";
    Stats s = new Stats();
    RunnerStats.fill(json, s);
    assertEquals("max_new_tokens", StockBudget.stopReason(s.prefillTokens, s.decodeTokens, 22, 2048, false));
    assertTrue(StockBudget.answerTokens(s.decodeTokens) <= 22);
  }
}
