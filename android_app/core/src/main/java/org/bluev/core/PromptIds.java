package org.bluev.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The token ids of one user turn (generation prompt added) and where the image's embeddings go:
 * the port of {@code prompt_ids} in runtime/layouts/base.py, so the app feeds the LLM the ids the
 * host (and a checkpoint's own processor) builds.
 */
public final class PromptIds {
  /**
   * The id written where image embeddings are spliced in when the layout has no image token of its
   * own (bluev's presets): any valid id, its embedding is replaced.
   */
  public static final int SPLICE_ID = 0;

  public final List<Integer> ids;
  /** Positions of the image's embeddings in {@link #ids}, in order (empty without an image). */
  public final List<Integer> imagePositions;

  PromptIds(List<Integer> ids, List<Integer> imagePositions) {
    this.ids = Collections.unmodifiableList(ids);
    this.imagePositions = Collections.unmodifiableList(imagePositions);
  }

  /**
   * @param layout and {@code plan}: the picture's layout and plan, both null for a text-only turn
   * @throws IllegalArgumentException when the question itself holds the image token, so the
   *     image's positions no longer match its embeddings
   */
  public static PromptIds build(
      BpeTokenizer tokenizer, Manifest manifest, Layout layout, String prompt, ImagePlan plan) {
    ChatTemplate chat = manifest.chatTemplate;
    boolean special = chat.addSpecialTokens;
    if (plan == null || layout == null) {
      return new PromptIds(
          tokenizer.encode(chat.prefix + prompt + chat.suffix, special), new ArrayList<Integer>());
    }
    ImageLayout.Prompt turn = manifest.layout.prompt;
    String after = turn.afterImage + prompt + chat.suffix;
    int n = plan.imageTokens();
    String run = layout.imageText(plan);
    List<Integer> positions = new ArrayList<>();
    if (run == null) {
      List<Integer> ids = new ArrayList<>(tokenizer.encode(turn.beforeImage, special));
      for (int i = 0; i < n; i++) {
        positions.add(ids.size());
        ids.add(SPLICE_ID);
      }
      ids.addAll(tokenizer.encode(after));
      return new PromptIds(ids, positions);
    }
    // Tokenized whole, as the processor tokenizes its expanded text.
    List<Integer> ids = tokenizer.encode(turn.beforeImage + run + after, special);
    for (int i = 0; i < ids.size(); i++) {
      if (ids.get(i) == turn.imageTokenId) {
        positions.add(i);
      }
    }
    if (positions.size() != n) {
      throw new IllegalArgumentException(
          "prompt: " + positions.size() + " " + turn.imageToken + " tokens for an image of " + n
              + " embeddings (the prompt may not hold " + turn.imageToken + " itself)");
    }
    return new PromptIds(ids, positions);
  }
}
