package org.bluev.core;

/** Malformed JSON, or a JSON value of the wrong shape; the message is one line for the UI. */
public class JsonException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public JsonException(String message) {
    super(message);
  }
}
