package org.bluev.core;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One import as the screen sees it: progress out, Cancel in. The copying thread reports bytes
 * and checks for Cancel between blocks; {@link #cancel} may come from any thread and also
 * drops the open connection, so a download waiting for bytes stops too.
 */
public final class InstallTask {
  /** Called on the copying thread; keep it short (post to the UI). */
  public interface Listener {
    /**
     * @param done bytes read from the source so far
     * @param total the source's size when known, else -1
     * @param file the file being copied (manifest.json, llm.pte, ...)
     */
    void onProgress(long done, long total, String file);
  }

  private final Listener listener;
  private final List<Closeable> open = new ArrayList<>();
  private volatile boolean cancelled;

  public InstallTask(Listener listener) {
    this.listener = listener;
  }

  /** A task nobody watches (tests, the command line). */
  public static InstallTask silent() {
    return new InstallTask((done, total, file) -> {});
  }

  /**
   * Stops the import at the next block; what it wrote is removed. Returns at once, from any
   * thread: the open connection is dropped on a helper thread, because closing it can wait for
   * a read in progress (the JDK's HttpURLConnection; Android's closes the socket at once).
   */
  public void cancel() {
    cancelled = true;
    List<Closeable> toClose;
    synchronized (open) {
      toClose = new ArrayList<>(open);
    }
    if (toClose.isEmpty()) {
      return;
    }
    Thread closer = new Thread(() -> closeAll(toClose), "bluev-cancel");
    closer.setDaemon(true);
    closer.start();
  }

  private static void closeAll(List<Closeable> toClose) {
    for (Closeable c : toClose) {
      try {
        c.close();
      } catch (IOException | RuntimeException ex) {
        // closing only unblocks a read; the copying thread reports the cancel
      }
    }
  }

  public boolean cancelled() {
    return cancelled;
  }

  /** @throws InstallException once {@link #cancel} was called */
  void check(String where) throws InstallException {
    if (cancelled) {
      throw new InstallException(where + ": cancelled; nothing was installed");
    }
  }

  void progress(long done, long total, String file) {
    listener.onProgress(done, total, file);
  }

  /** Something {@link #cancel} closes (a connection); closed at once if already cancelled. */
  void onCancelClose(Closeable c) {
    synchronized (open) {
      open.add(c);
    }
    if (cancelled) {
      cancel();
    }
  }

  void forget(Closeable c) {
    synchronized (open) {
      open.remove(c);
    }
  }
}
