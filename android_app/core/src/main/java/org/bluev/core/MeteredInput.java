package org.bluev.core;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/**
 * The raw bytes of an import's source on their way in: counted, hashed (the bundle's own
 * sha256, checked when the link gives one), reported to the task, and stopped on Cancel.
 */
final class MeteredInput extends FilterInputStream {
  private final MessageDigest digest = ArtifactDir.newDigest();
  private final InstallTask task;
  private final String where;
  private final long total;
  private long count;
  private String file = "";

  MeteredInput(InputStream in, InstallTask task, String where, long total) {
    super(in);
    this.task = task;
    this.where = where;
    this.total = total;
  }

  /** The file being copied, for the progress line. */
  void file(String name) {
    file = name;
  }

  long count() {
    return count;
  }

  String sha256() {
    return ArtifactDir.hex(digest.digest());
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (task.cancelled()) {
      throw new CancelledIo(where);
    }
    int n;
    try {
      n = super.read(b, off, len);
    } catch (IOException ex) {
      if (task.cancelled()) {
        throw new CancelledIo(where); // the read failed because Cancel closed the connection
      }
      throw ex;
    }
    if (n > 0) {
      digest.update(b, off, n);
      count += n;
      task.progress(count, total, file);
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    throw new IOException("skip would leave bytes out of the bundle's hash");
  }

  /** Cancel seen inside a read: carried through IOException-only code, turned back into one line. */
  static final class CancelledIo extends IOException {
    private static final long serialVersionUID = 1L;

    CancelledIo(String where) {
      super(where + ": cancelled; nothing was installed");
    }
  }
}
