package org.bluev.core;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.util.Locale;

/**
 * A bundle's bytes from an http(s) URL as one stream that survives dropped connections: when a
 * read fails, or the connection ends before Content-Length, it reconnects and asks for the rest
 * with {@code Range: bytes=N-} (and {@code If-Range} with the first answer's strong ETag or
 * Last-Modified, so a file that changed on the server is never spliced onto the old one's
 * start). The reader above sees the same bytes as from one unbroken connection.
 *
 * <p>Retried: network errors, timeouts, early ends, HTTP 408, 429 and 5xx, up to {@link
 * Options#maxRetries} times in a row without a byte received, after a delay doubling from {@link
 * Options#firstRetryDelayMs}. Not retried: other HTTP errors, and a server that answers a
 * Range request with the whole file (it changed, or it cannot resume). Those end the download
 * with a {@link Failed} naming the URL.
 */
public final class HttpDownload extends InputStream {
  /** Timeouts and retry policy; the defaults suit a phone on a mobile network. */
  public static final class Options {
    public int connectTimeoutMs = 20_000;
    public int readTimeoutMs = 30_000;
    public int maxRetries = 8;
    public long firstRetryDelayMs = 1_000;
    public long maxRetryDelayMs = 30_000;
  }

  /** A download that cannot go on; the message is one line naming the URL. */
  public static final class Failed extends IOException {
    private static final long serialVersionUID = 1L;

    Failed(String message) {
      super(message);
    }
  }

  private final URL url;
  private final Options options;
  private final InstallTask task;
  private final String where;
  private HttpURLConnection conn;
  private Closeable closer; // what Cancel calls to drop conn
  private InputStream body;
  private long pos;
  private long length = -1;
  private String validator;
  private int resumes;
  private int failures; // in a row, since the last byte arrived

  private HttpDownload(URL url, Options options, InstallTask task) {
    this.url = url;
    this.options = options;
    this.task = task;
    this.where = describe(url);
  }

  /** Connects (retrying as a dropped connection would be) and reads the response headers. */
  public static HttpDownload open(URL url, Options options, InstallTask task) throws IOException {
    String protocol = url.getProtocol();
    if (!protocol.equals("https") && !protocol.equals("http")) {
      throw new Failed(describe(url) + ": not an http(s) URL");
    }
    HttpDownload d = new HttpDownload(url, options, task);
    try {
      d.connect();
    } catch (Failed ex) {
      throw ex;
    } catch (IOException ex) {
      d.retry(ex);
    }
    return d;
  }

  /** The URL as messages show it: without query or fragment (they may carry tokens). */
  public static String describe(URL url) {
    return url.getProtocol() + "://" + url.getAuthority() + url.getPath();
  }

  /** The bundle's size from Content-Length, or -1 when the server did not say. */
  public long length() {
    return length;
  }

  /** How many times the download went on from where a dropped connection left it. */
  public int resumes() {
    return resumes;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    while (true) {
      IOException failure;
      try {
        int n = body.read(b, off, len);
        if (n > 0) {
          pos += n;
          failures = 0;
          return n;
        }
        if (length < 0 || pos >= length) {
          return -1;
        }
        failure = new EOFException("the connection closed at byte " + pos + " of " + length);
      } catch (IOException ex) {
        failure = ex;
      }
      if (task.cancelled()) {
        throw new MeteredInput.CancelledIo(where);
      }
      retry(failure);
    }
  }

  @Override
  public void close() {
    disconnect();
  }

  /**
   * Reconnects from {@link #pos} until it works, the task is cancelled, or {@link
   * Options#maxRetries} retries in a row brought no byte.
   */
  private void retry(IOException cause) throws IOException {
    IOException last = cause;
    while (true) {
      if (task.cancelled()) {
        throw new MeteredInput.CancelledIo(where);
      }
      if (++failures > options.maxRetries) {
        String at =
            InstalledModel.megabytes(pos) + (length >= 0 ? " of " + InstalledModel.megabytes(length) : "");
        throw new Failed(
            where + ": no data after " + options.maxRetries + " retries at " + at + " (" + reason(last)
                + "); check the network and try again");
      }
      disconnect();
      sleep(Math.min(options.firstRetryDelayMs << Math.min(failures - 1, 20), options.maxRetryDelayMs));
      try {
        connect();
        if (pos > 0) {
          resumes++;
        }
        return;
      } catch (Failed ex) {
        throw ex;
      } catch (IOException ex) {
        last = ex;
      }
    }
  }

  private void connect() throws IOException {
    HttpURLConnection c = (HttpURLConnection) url.openConnection();
    conn = c;
    closer = c::disconnect;
    task.onCancelClose(closer);
    c.setConnectTimeout(options.connectTimeoutMs);
    c.setReadTimeout(options.readTimeoutMs);
    c.setUseCaches(false);
    c.setRequestProperty("Accept-Encoding", "identity"); // byte offsets are the file's own
    if (pos > 0) {
      c.setRequestProperty("Range", "bytes=" + pos + "-");
      if (validator != null) {
        c.setRequestProperty("If-Range", validator);
      }
    }
    int code = c.getResponseCode();
    if (code == 408 || code == 429 || code >= 500) {
      throw new IOException("HTTP " + code + " " + c.getResponseMessage()); // worth another try
    }
    if (pos == 0) {
      if (code != HttpURLConnection.HTTP_OK) {
        throw new Failed(where + ": HTTP " + code + " " + c.getResponseMessage());
      }
      length = c.getContentLengthLong();
      validator = validator(c);
    } else {
      checkPartial(c, code);
    }
    body = c.getInputStream();
  }

  /** A resumed answer must be 206 for exactly the rest of the same file. */
  private void checkPartial(HttpURLConnection c, int code) throws IOException {
    if (code == HttpURLConnection.HTTP_OK) {
      throw new Failed(
          where + ": the server sent the whole file again instead of the rest (it changed on the"
              + " server, or the server cannot resume); download it again");
    }
    if (code != HttpURLConnection.HTTP_PARTIAL) {
      throw new Failed(
          where + ": HTTP " + code + " " + c.getResponseMessage() + " when resuming at byte " + pos);
    }
    // Content-Range: bytes START-END/TOTAL
    String range = c.getHeaderField("Content-Range");
    String expected = "bytes " + pos + "-";
    String total = range == null ? null : range.substring(range.indexOf('/') + 1).trim();
    boolean sameTotal =
        length < 0 || total == null || total.equals("*") || total.equals(Long.toString(length));
    if (range == null || !range.toLowerCase(Locale.ROOT).startsWith(expected) || !sameTotal) {
      throw new Failed(where + ": the server resumed with Content-Range " + range + ", not from byte " + pos);
    }
  }

  /** What If-Range may carry: a strong ETag, else Last-Modified, else nothing. */
  private static String validator(HttpURLConnection c) {
    String etag = c.getHeaderField("ETag");
    if (etag != null && !etag.startsWith("W/")) {
      return etag;
    }
    return c.getHeaderField("Last-Modified");
  }

  private void disconnect() {
    HttpURLConnection c = conn;
    conn = null;
    body = null;
    if (c != null) {
      task.forget(closer);
      c.disconnect();
    }
  }

  private void sleep(long ms) throws IOException {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      throw new MeteredInput.CancelledIo(where);
    }
  }

  private static String reason(IOException ex) {
    String m = ex.getMessage();
    return m == null ? ex.getClass().getSimpleName() : ex.getClass().getSimpleName() + ": " + m;
  }
}
