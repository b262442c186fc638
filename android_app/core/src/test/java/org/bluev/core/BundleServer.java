package org.bluev.core;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local HTTP server (the JDK's com.sun.net.httpserver) serving one bundle at /bundle.zip the
 * way a real file server does: Content-Length, ETag, {@code Range: bytes=N-} answered with 206,
 * and {@code If-Range} honoured (a changed ETag gets the whole file). Faults a test can ask for:
 * connections dropped after some bytes, 503 answers, Range ignored, a changed file, a flipped
 * byte, no Content-Length (chunked), a stall until released.
 */
final class BundleServer implements AutoCloseable {
  static final String PATH = "/bundle.zip";

  private final HttpServer server;
  private final ExecutorService pool = Executors.newCachedThreadPool();
  private final byte[] body;
  private final List<String> requests = Collections.synchronizedList(new ArrayList<>());

  volatile String etag = "\"v1\"";
  volatile boolean ranges = true;
  volatile boolean contentLength = true;
  /** The next this-many responses stop after {@link #dropAfter} bytes and drop the connection. */
  final AtomicInteger drops = new AtomicInteger();
  volatile long dropAfter;
  /** The next this-many requests get 503 Service Unavailable. */
  final AtomicInteger unavailable = new AtomicInteger();
  /** After this many bytes of a response, wait until {@link #release} (or the client goes). */
  volatile long stallAfter = -1;
  final CountDownLatch release = new CountDownLatch(1);
  /** What the first response's headers say about the file, changed after it (If-Range then fails). */
  volatile String etagAfterFirst;

  BundleServer(byte[] body) throws IOException {
    this.body = body;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(pool);
    server.createContext("/", this::handle);
    server.start();
  }

  URL url(String path) throws IOException {
    return new URL("http://127.0.0.1:" + server.getAddress().getPort() + path);
  }

  URL url() throws IOException {
    return url(PATH);
  }

  /** One line per request: "Range=<header> If-Range=<header>" ("-" when absent). */
  List<String> requests() {
    synchronized (requests) {
      return new ArrayList<>(requests);
    }
  }

  private void handle(HttpExchange ex) throws IOException {
    String range = ex.getRequestHeaders().getFirst("Range");
    String ifRange = ex.getRequestHeaders().getFirst("If-Range");
    requests.add("Range=" + (range == null ? "-" : range) + " If-Range=" + (ifRange == null ? "-" : ifRange));
    try {
      if (!ex.getRequestURI().getPath().equals(PATH)) {
        ex.sendResponseHeaders(404, -1);
        return;
      }
      if (unavailable.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        ex.sendResponseHeaders(503, -1);
        return;
      }
      serve(ex, range, ifRange);
    } finally {
      ex.close();
    }
  }

  private void serve(HttpExchange ex, String range, String ifRange) throws IOException {
    String tag = etag;
    if (etagAfterFirst != null) {
      etag = etagAfterFirst; // the file "changes" once its first answer is out
    }
    long start = 0;
    int code = 200;
    if (ranges && range != null && range.startsWith("bytes=") && range.endsWith("-")
        && (ifRange == null || ifRange.equals(tag))) {
      start = Long.parseLong(range.substring("bytes=".length(), range.length() - 1));
      code = 206;
      ex.getResponseHeaders().set("Content-Range", "bytes " + start + "-" + (body.length - 1) + "/" + body.length);
    }
    ex.getResponseHeaders().set("ETag", tag);
    ex.getResponseHeaders().set("Accept-Ranges", "bytes");
    long n = body.length - start;
    ex.sendResponseHeaders(code, contentLength ? n : 0);
    long limit = drops.getAndUpdate(d -> Math.max(0, d - 1)) > 0 ? Math.min(dropAfter, n) : n;
    OutputStream out = ex.getResponseBody();
    for (long sent = 0; sent < limit; ) {
      if (stallAfter >= 0 && start + sent >= stallAfter) {
        out.flush();
        awaitRelease();
        stallAfter = -1;
      }
      int chunk = (int) Math.min(8192, limit - sent);
      out.write(body, (int) (start + sent), chunk);
      sent += chunk;
    }
    out.flush();
    if (limit < n) {
      // Leave without finishing the response: the server closes the connection mid-body.
      throw new IOException("connection dropped on purpose after " + limit + " bytes");
    }
    out.close();
  }

  private void awaitRelease() {
    try {
      release.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    release.countDown();
    server.stop(0);
    pool.shutdownNow();
  }
}
