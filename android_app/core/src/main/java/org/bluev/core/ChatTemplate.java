package org.bluev.core;

import java.util.Map;

/**
 * The model's chat template rendered at export around one user turn ({@code chat_template} in the
 * manifest), split where the image goes: the port of {@code ChatTemplate} in runtime/text.py.
 */
public final class ChatTemplate {
  public final String prefix;
  public final String suffix;
  public final String imagePosition;
  /**
   * The tokenizer's own special tokens (a BOS) are added around the rendered text, as a
   * checkpoint's processor adds them; bluev's presets render every token themselves (false).
   */
  public final boolean addSpecialTokens;

  public ChatTemplate(String prefix, String suffix, String imagePosition) {
    this(prefix, suffix, imagePosition, false);
  }

  public ChatTemplate(String prefix, String suffix, String imagePosition, boolean addSpecialTokens) {
    if (!imagePosition.equals("before_prompt")) {
      // The host runtime knows only this placement; guessing another would silently misplace it.
      throw new IllegalArgumentException(
          "chat_template.image_position '" + imagePosition + "': this app knows only before_prompt");
    }
    this.prefix = prefix;
    this.suffix = suffix;
    this.imagePosition = imagePosition;
    this.addSpecialTokens = addSpecialTokens;
  }

  static ChatTemplate fromJson(Map<String, Object> obj) {
    return new ChatTemplate(
        Fields.string(obj, "prefix"),
        Fields.string(obj, "suffix"),
        Fields.optString(obj, "image_position", "before_prompt"),
        Fields.has(obj, "add_special_tokens") && Fields.bool(obj, "add_special_tokens"));
  }

  /**
   * {text before the image, text after it}; without an image the first holds everything and the
   * second is empty, exactly as {@code ChatTemplate.segments} in runtime/text.py.
   */
  public String[] segments(String prompt, boolean withImage) {
    if (!withImage) {
      return new String[] {prefix + prompt + suffix, ""};
    }
    return new String[] {prefix, prompt + suffix};
  }

  /** The whole turn as one string: what a text-only stock runner is given. */
  public String render(String prompt) {
    return prefix + prompt + suffix;
  }
}
