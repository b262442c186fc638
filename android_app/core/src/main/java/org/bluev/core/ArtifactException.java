package org.bluev.core;

/**
 * An artifact directory the app cannot use (missing file, wrong format, hash mismatch). The
 * message is one line that names the file and the reason, as the host CLI prints them.
 */
public class ArtifactException extends Exception {
  private static final long serialVersionUID = 1L;

  public ArtifactException(String message) {
    super(message);
  }
}
