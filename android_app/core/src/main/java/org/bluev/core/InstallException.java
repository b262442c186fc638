package org.bluev.core;

/**
 * A model import that was refused or failed (a damaged bundle, a file that does not match the
 * manifest, too little free space, a dropped download, the user's Cancel). The message is one
 * line naming the source and the reason; nothing of the import is left behind.
 */
public class InstallException extends ArtifactException {
  private static final long serialVersionUID = 1L;

  public InstallException(String message) {
    super(message);
  }
}
