package org.bluev.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Where the image embeddings go in the prompt and how the prompt is prefilled: the plan of
 * {@code Pipeline.prompt_embeddings}, {@code prefill} and {@code generate} in runtime/pipeline.py,
 * computed from token counts alone so it is testable without a model.
 *
 * <p>The sequence is runs of text and image positions ([text before the image][image tokens][text
 * after the image] for bluev's own layout); empty parts are left out. It is prefilled from position 0 in chunks of {@code chunk_size}, and decoding may add
 * at most {@code max_seq_len - prompt} tokens.
 */
public final class PromptPlan {
  /** One run of the sequence: {@code kind} is "text" or "image". */
  public static final class Part {
    public final String kind;
    public final int start;
    public final int length;

    Part(String kind, int start, int length) {
      this.kind = kind;
      this.start = start;
      this.length = length;
    }

    @Override
    public String toString() {
      return kind + "@" + start + "+" + length;
    }
  }

  public final List<Part> parts;
  public final int promptTokens;
  public final int imageTokens;
  /** Start positions of the prefill chunks; each chunk is min(chunk, prompt - start) long. */
  public final List<Integer> chunkStarts;
  public final int chunkSize;
  /** New tokens decoding may produce: min(max_new_tokens, max_seq_len - prompt). */
  public final int budget;
  /** The stop reason when no end-of-turn token comes: max_new_tokens or context_full. */
  public final String stopWithoutEos;

  private PromptPlan(
      List<Part> parts, int promptTokens, int imageTokens, int chunkSize, int budget, String stop) {
    this.parts = Collections.unmodifiableList(parts);
    this.promptTokens = promptTokens;
    this.imageTokens = imageTokens;
    this.chunkSize = chunkSize;
    List<Integer> starts = new ArrayList<>();
    for (int s = 0; s < promptTokens; s += chunkSize) {
      starts.add(s);
    }
    this.chunkStarts = Collections.unmodifiableList(starts);
    this.budget = budget;
    this.stopWithoutEos = stop;
  }

  /**
   * @param beforeIds tokens of the text before the image (everything when there is no image)
   * @param imageTokens image embeddings spliced after them (0 without an image)
   * @param afterIds tokens of the text after the image
   * @throws IllegalArgumentException when the prompt does not fit the context, with the same
   *     message the host prints ("prompt: N tokens (M of them image) is over the context of L")
   */
  public static PromptPlan of(
      int beforeIds, int imageTokens, int afterIds, int chunkSize, int maxSeqLen,
      int maxNewTokens) {
    List<Integer> positions = new ArrayList<>();
    for (int i = 0; i < imageTokens; i++) {
      positions.add(beforeIds + i);
    }
    return of(beforeIds + imageTokens + afterIds, positions, chunkSize, maxSeqLen, maxNewTokens);
  }

  /**
   * The plan of a prompt of {@code promptTokens} ids whose image embeddings go at {@code
   * imagePositions} (ascending, {@link PromptIds#imagePositions}): the parts are the runs of text
   * and image positions, so a layout with tokens between its image runs (rows, tiles) is planned
   * as it is tokenized.
   */
  public static PromptPlan of(
      int promptTokens, List<Integer> imagePositions, int chunkSize, int maxSeqLen, int maxNewTokens) {
    if (chunkSize <= 0) {
      throw new IllegalArgumentException("chunk_size must be positive");
    }
    int total = promptTokens;
    int imageTokens = imagePositions.size();
    if (total == 0) {
      throw new IllegalArgumentException("prompt: empty (no tokens to prefill)");
    }
    if (total >= maxSeqLen) {
      throw new IllegalArgumentException(
          "prompt: " + total + " tokens (" + imageTokens + " of them image) is over the context of "
              + maxSeqLen);
    }
    List<Part> parts = new ArrayList<>();
    int pos = 0;
    int next = 0; // index into imagePositions
    while (pos < total) {
      boolean image = next < imageTokens && imagePositions.get(next) == pos;
      int start = pos;
      if (image) {
        while (next < imageTokens && imagePositions.get(next) == pos) {
          next++;
          pos++;
        }
      } else {
        int stop = next < imageTokens ? imagePositions.get(next) : total;
        if (stop < pos || stop > total) {
          throw new IllegalArgumentException("image positions: not ascending inside the prompt");
        }
        pos = stop;
      }
      parts.add(new Part(image ? "image" : "text", start, pos - start));
    }
    if (next != imageTokens) {
      throw new IllegalArgumentException("image positions: not ascending inside the prompt");
    }
    int budget = Math.min(maxNewTokens, maxSeqLen - total);
    String stop = budget == maxNewTokens ? "max_new_tokens" : "context_full";
    return new PromptPlan(parts, total, imageTokens, chunkSize, budget, stop);
  }

  public int chunkLength(int index) {
    return Math.min(chunkSize, promptTokens - chunkStarts.get(index));
  }
}
