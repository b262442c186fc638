package org.bluev.core;

/**
 * The answer-length budget on ExecuTorch's own LLM runner ({@code LlmModule}), which counts
 * tokens itself: its only length knob is {@code generate}'s {@code seqLen}, the number of
 * context positions the turn may fill ({@code GenerationConfig.resolve_max_new_tokens}: answer
 * tokens = min(seq_len, max_context_len) - positions already filled). Counting
 * {@code onResult} callbacks cannot enforce a budget: the JNI layer holds back pieces that end
 * inside a multi-byte character and sends them merged, so one callback can carry several tokens.
 * ({@code LlmGenerationConfig.maxNewTokens} exists in the Java API, but LlmModule.generate passes
 * only its seqLen to the runner in ExecuTorch 1.4 and 1.5.)
 *
 * <p>After the turn, the runner's stats say what happened: {@code prompt_tokens} (positions
 * filled before decoding) and {@code generated_tokens} (decode steps; the first answer token
 * comes out of prefill and is not among them).
 */
public final class StockBudget {
  private StockBudget() {}

  /**
   * {@code seqLen} for a turn that starts with {@code filled} positions in use (prefix, image and
   * question tokens), so the runner stops after {@code maxNewTokens} answer tokens or at the end
   * of the context, whichever comes first.
   *
   * @throws IllegalArgumentException when the prompt alone fills the context
   */
  public static int seqLen(int filled, int maxNewTokens, int maxSeqLen) {
    if (maxNewTokens < 1) {
      throw new IllegalArgumentException("max_new_tokens must be >= 1, got " + maxNewTokens);
    }
    if (filled >= maxSeqLen) {
      throw new IllegalArgumentException(
          "the prompt is " + filled + " tokens, over the model's context of " + maxSeqLen
              + " (max_seq_len); ask a shorter question");
    }
    return (int) Math.min((long) filled + maxNewTokens, maxSeqLen);
  }

  /** Answer tokens of a turn: the one out of prefill plus the decode steps. */
  public static int answerTokens(int generatedTokens) {
    return generatedTokens + 1;
  }

  /**
   * The host's stop_reason for a finished turn, from the runner's stats: {@code stopped} when
   * the user stopped it, {@code max_new_tokens} when the budget was used up, {@code
   * context_full} at the end of the context, else {@code eos} (the runner ends early only at an
   * end-of-turn token).
   */
  public static String stopReason(
      int promptTokens, int generatedTokens, int maxNewTokens, int maxSeqLen, boolean stopped) {
    if (stopped) {
      return "stopped";
    }
    if (answerTokens(generatedTokens) >= maxNewTokens) {
      return "max_new_tokens";
    }
    if (promptTokens + answerTokens(generatedTokens) >= maxSeqLen) {
      return "context_full";
    }
    return "eos";
  }
}
