package org.bluev.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Turns a growing list of ids into text pieces for streaming, holding back a piece while it ends
 * in an incomplete UTF-8 character (U+FFFD), as {@code StreamDecoder} in runtime/text.py does.
 */
public final class StreamDecoder {
  private final BpeTokenizer tokenizer;
  private final List<Integer> ids = new ArrayList<>();
  private String emitted = "";

  public StreamDecoder(BpeTokenizer tokenizer) {
    this.tokenizer = tokenizer;
  }

  /** The new text this token completes; empty while a multi-byte character is unfinished. */
  public String push(int token) {
    ids.add(token);
    String text = tokenizer.decode(ids);
    if (text.endsWith("\uFFFD")) {
      return "";
    }
    String piece = text.startsWith(emitted) ? text.substring(emitted.length()) : text;
    emitted = text;
    return piece;
  }

  public List<Integer> ids() {
    return Collections.unmodifiableList(ids);
  }

  public String text() {
    return tokenizer.decode(ids);
  }
}
