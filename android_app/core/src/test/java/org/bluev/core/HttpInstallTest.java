package org.bluev.core;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Downloads of the real tiny bundle from a local HTTP server: plain, resumed after dropped
 * connections (HTTP Range), checked against the link's sha256, and refused (damage, too little
 * space, a server that cannot resume, a file that changed, HTTP errors, Cancel) with one line
 * and nothing left in the model folder.
 */
public class HttpInstallTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  private byte[] bundle;
  private BundleServer server;
  private File models;
  private ModelStore store;
  private final HttpDownload.Options options = new HttpDownload.Options();

  @Before
  public void setUp() throws Exception {
    bundle = Files.readAllBytes(Bundles.bundle().toPath());
    server = new BundleServer(bundle);
    models = new File(tmp.getRoot(), "models");
    store = new ModelStore(models);
    options.firstRetryDelayMs = 0; // retry at once: the faults here are the server's, on purpose
    options.maxRetries = 3;
    options.readTimeoutMs = 20_000;
  }

  @After
  public void tearDown() {
    server.close();
  }

  private ModelInstaller.Result download(String sha256, FreeSpace space, InstallTask task) throws Exception {
    return new ModelInstaller(store, space, null, null).download(server.url(), sha256, options, task);
  }

  private ModelInstaller.Result download() throws Exception {
    return download(null, FreeSpace.DISK, InstallTask.silent());
  }

  private void assertInstalled(ModelInstaller.Result r) throws Exception {
    assertEquals(ArtifactDir.dirName(Bundles.manifestBytes()), r.model.dir.getName());
    for (Manifest.FileRef f : Bundles.manifest().fileRefs()) {
      assertArrayEquals(f.file, Files.readAllBytes(new File(Bundles.folder(), f.file).toPath()),
          Files.readAllBytes(new File(r.model.dir, f.file).toPath()));
    }
    assertEquals(Arrays.asList(r.model.dir.getName()), Arrays.asList(Bundles.everything(models)));
  }

  private void assertNothingInstalled() {
    assertEquals(Arrays.asList(), Arrays.asList(Bundles.everything(models)));
  }

  private String where() throws Exception {
    return server.url().toString();
  }

  @Test
  public void downloadsAndInstallsInOneRequest() throws Exception {
    long[] total = {0};
    assertInstalled(download(null, FreeSpace.DISK, new InstallTask((done, t, file) -> total[0] = t)));
    assertEquals(Arrays.asList("Range=- If-Range=-"), server.requests());
    assertEquals(bundle.length, total[0]);
  }

  @Test
  public void anInterruptedTransferResumesWhereItStopped() throws Exception {
    server.drops.set(1);
    server.dropAfter = bundle.length / 2;
    assertInstalled(download());
    List<String> requests = server.requests();
    assertEquals(2, requests.size());
    assertEquals("Range=bytes=" + bundle.length / 2 + "- If-Range=\"v1\"", requests.get(1));
  }

  @Test
  public void severalDropsInARowAreEachResumed() throws Exception {
    server.drops.set(3);
    server.dropAfter = 1_000_000; // each answer stops a megabyte further on
    assertInstalled(download());
    List<String> requests = server.requests();
    assertEquals(4, requests.size());
    assertEquals("Range=bytes=3000000- If-Range=\"v1\"", requests.get(3));
  }

  @Test
  public void aConnectionThatKeepsFailingGivesUpWithOneLine() throws Exception {
    server.drops.set(100);
    server.dropAfter = 0;
    InstallException ex = assertThrows(InstallException.class, this::download);
    assertTrue(ex.getMessage(), ex.getMessage().startsWith(where() + ": no data after 3 retries at 0.0 MB of "));
    assertTrue(ex.getMessage(), ex.getMessage().endsWith("; check the network and try again"));
    assertFalse(ex.getMessage().contains("\n"));
    assertNothingInstalled();
  }

  @Test
  public void aServerThatCannotResumeIsRefused() throws Exception {
    server.ranges = false;
    server.drops.set(1);
    server.dropAfter = bundle.length / 2;
    InstallException ex = assertThrows(InstallException.class, this::download);
    assertEquals(where() + ": the server sent the whole file again instead of the rest (it changed on the"
        + " server, or the server cannot resume); download it again", ex.getMessage());
    assertNothingInstalled();
  }

  @Test
  public void aFileThatChangedOnTheServerIsNotSplicedOn() throws Exception {
    server.etagAfterFirst = "\"v2\"";
    server.drops.set(1);
    server.dropAfter = bundle.length / 2;
    InstallException ex = assertThrows(InstallException.class, this::download);
    assertTrue(ex.getMessage(), ex.getMessage().contains("sent the whole file again"));
    assertEquals("Range=bytes=" + bundle.length / 2 + "- If-Range=\"v1\"", server.requests().get(1));
    assertNothingInstalled();
  }

  @Test
  public void theLinksSha256IsChecked() throws Exception {
    String sha256 = ArtifactDir.sha256Hex(Bundles.bundle());
    assertInstalled(download(sha256, FreeSpace.DISK, InstallTask.silent()));
    store.delete(store.list().get(0));
    String wrong = sha256.substring(0, 63) + (sha256.endsWith("0") ? "1" : "0");
    InstallException ex =
        assertThrows(InstallException.class, () -> download(wrong, FreeSpace.DISK, InstallTask.silent()));
    assertEquals(where() + ": the bundle's sha256 is " + sha256 + ", the link says " + wrong
        + " (damaged or replaced download); refused", ex.getMessage());
    assertNothingInstalled();
  }

  @Test
  public void aCorruptedByteInTransitIsRefused() throws Exception {
    long at = Bundles.dataOffset(Bundles.bundle(), "llm.pte") + 12345;
    bundle[(int) at] ^= 0x01;
    InstallException ex = assertThrows(InstallException.class, this::download);
    assertEquals(where() + ": llm.pte: CRC-32 does not match (damaged bundle)", ex.getMessage());
    assertNothingInstalled();
  }

  @Test
  public void tooBigForTheFreeSpaceIsRefusedBeforeTheBody() throws Exception {
    InstallException ex = assertThrows(InstallException.class,
        () -> download(null, FreeSpace.atMost(2_000_000), InstallTask.silent()));
    assertEquals(where() + ": needs " + InstalledModel.megabytes(bundle.length)
        + " and the phone has 2.0 MB free; free some space and try again", ex.getMessage());
    assertNothingInstalled();
  }

  @Test
  public void withoutContentLengthTheManifestsSizesDecideTheSpace() throws Exception {
    server.contentLength = false; // chunked: the size is known only from the manifest
    InstallException ex = assertThrows(InstallException.class,
        () -> download(null, FreeSpace.atMost(2_000_000), InstallTask.silent()));
    long installed = Bundles.manifest().totalBytes() + Bundles.manifestBytes().length;
    assertTrue(ex.getMessage(), ex.getMessage().startsWith(where() + ": needs " + InstalledModel.megabytes(installed)));
    assertNothingInstalled();
    long[] total = {0};
    assertInstalled(download(null, FreeSpace.DISK, new InstallTask((done, t, file) -> total[0] = t)));
    assertEquals(-1, total[0]);
  }

  @Test
  public void httpErrorsAreNamedAndAServiceHiccupIsRetried() throws Exception {
    InstallException ex = assertThrows(InstallException.class,
        () -> new ModelInstaller(store, FreeSpace.DISK, null, null)
            .download(server.url("/missing.zip"), null, options, InstallTask.silent()));
    assertEquals(server.url("/missing.zip") + ": HTTP 404 Not Found", ex.getMessage());
    server.unavailable.set(2);
    assertInstalled(download());
  }

  @Test
  public void cancelDuringAStallReturnsAtOnceAndEndsTheDownload() throws Exception {
    server.stallAfter = bundle.length / 2;
    // The JDK's HttpURLConnection lets a blocked read finish before disconnect() (Android's
    // closes the socket at once): here the download ends at the read timeout, as cancelled.
    options.readTimeoutMs = 2_000;
    CountDownLatch stalled = new CountDownLatch(1);
    InstallTask task = new InstallTask((done, total, file) -> {
      if (done >= server.stallAfter) {
        stalled.countDown(); // everything before the stall is in: the next read blocks
      }
    });
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread t = new Thread(() -> {
      try {
        download(null, FreeSpace.DISK, task);
      } catch (Throwable ex) {
        failure.set(ex);
      }
    });
    t.start();
    assertTrue(stalled.await(30, TimeUnit.SECONDS));
    Thread.sleep(300); // let the download thread enter that read
    long started = System.nanoTime();
    task.cancel();
    assertTrue("cancel() blocked its caller", (System.nanoTime() - started) / 1e9 < 0.5);
    t.join(10_000);
    assertFalse("still downloading 10 s after Cancel", t.isAlive());
    assertEquals(where() + ": cancelled; nothing was installed", failure.get().getMessage());
    assertEquals(1, server.requests().size()); // cancelled, not retried
    assertNothingInstalled();
  }
}
