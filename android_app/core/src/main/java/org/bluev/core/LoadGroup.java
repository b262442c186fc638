package org.bluev.core;

import java.io.Closeable;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Loads the programs of an artifact set all or nothing. Each step names the file it works on; when
 * one fails, everything opened so far is closed (last first) before the failure is reported, so a
 * vision encoder that fails to load does not leave a multi-GB LLM mapped, and the message names
 * the file and ExecuTorch's reason instead of a generic "could not load the programs".
 */
public final class LoadGroup implements Closeable {
  /** Opens a resource (e.g. {@code Module.load}). */
  public interface Opener<T extends AutoCloseable> {
    T open() throws Exception;
  }

  /** A step on resources already opened (e.g. {@code loadMethod}), or a read without one. */
  public interface Step {
    void run() throws Exception;
  }

  /** Reads something that needs no closing (e.g. the tokenizer). */
  public interface Reader<T> {
    T read() throws Exception;
  }

  private final Deque<AutoCloseable> opened = new ArrayDeque<>();

  /** Runs {@code reader}; when it fails, the group is closed and the failure names {@code file}. */
  public <T> T read(String file, Reader<T> reader) throws ArtifactException {
    try {
      return reader.read();
    } catch (Throwable t) {
      throw fail(file, t);
    }
  }

  /** Runs {@code opener}; its result is closed with the group. */
  public <T extends AutoCloseable> T open(String file, Opener<T> opener) throws ArtifactException {
    T resource;
    try {
      resource = opener.open();
    } catch (Throwable t) {
      throw fail(file, t);
    }
    opened.push(resource);
    return resource;
  }

  /** Runs {@code step}; when it fails, the group is closed and the failure names {@code file}. */
  public void run(String file, Step step) throws ArtifactException {
    try {
      step.run();
    } catch (Throwable t) {
      throw fail(file, t);
    }
  }

  /** Closes every resource opened, last first; a failure to close one does not skip the rest. */
  @Override
  public void close() {
    RuntimeException first = null;
    while (!opened.isEmpty()) {
      try {
        opened.pop().close();
      } catch (Exception ex) {
        if (first == null) {
          first = new IllegalStateException("closing a program failed: " + ex.getMessage(), ex);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  /**
   * The first line of an ExecuTorch error: its exceptions append the native log tail after
   * {@code " | nativeLog="} (up to 2 KB), which belongs in logcat, not on the screen.
   */
  public static String reason(Throwable t) {
    String msg = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    int tail = msg.indexOf(" | nativeLog=");
    if (tail >= 0) {
      msg = msg.substring(0, tail);
    }
    int line = msg.indexOf('\n');
    return (line >= 0 ? msg.substring(0, line) : msg).trim();
  }

  private ArtifactException fail(String file, Throwable t) {
    try {
      close();
    } catch (RuntimeException ex) {
      t.addSuppressed(ex);
    }
    if (t instanceof Error) {
      throw (Error) t; // out of memory and the like: the caller reports those itself
    }
    if (t instanceof ArtifactException) {
      return (ArtifactException) t;
    }
    ArtifactException ex = new ArtifactException(file + ": " + reason(t));
    ex.initCause(t);
    return ex;
  }
}
