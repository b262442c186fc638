package org.bluev.core;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.LongConsumer;

/**
 * Installs an artifact set into the app's {@link ModelStore} from a folder, a bundle (the zip
 * `bluev bundle` writes) or a bundle's https URL, as one stream per file:
 *
 * <ol>
 *   <li>manifest.json first (the bundle's first entry): format, version and the backends this
 *       build of the app runs are checked before anything is copied;
 *   <li>free space is checked against the manifest's file sizes (and, before that, against the
 *       bundle's size when the source knows it);
 *   <li>each file is hashed while it is copied into a hidden staging folder and refused when its
 *       size or sha256 differs from the manifest; a file the manifest does not name is refused;
 *   <li>the whole bundle's sha256 is compared with the one the link gives, when it gives one;
 *   <li>the staging folder is renamed into place: the set appears whole or not at all.
 * </ol>
 *
 * Any refusal, failure or Cancel removes the staging folder and throws an InstallException
 * with one line naming the source and the reason. The installed files were verified while they
 * were copied, so the set's integrity record is written too: the app's first start of the set
 * does not hash it again.
 */
public final class ModelInstaller {
  static final int MAX_MANIFEST_BYTES = 4 << 20;
  private static final int BLOCK = 1 << 16;

  /** What an import did: the set, and whether it was installed already (the same manifest). */
  public static final class Result {
    public final InstalledModel model;
    public final boolean alreadyInstalled;

    Result(InstalledModel model, boolean alreadyInstalled) {
      this.model = model;
      this.alreadyInstalled = alreadyInstalled;
    }
  }

  private final ModelStore store;
  private final FreeSpace space;
  private final File recordDir;
  private final String flavor;

  /**
   * @param recordDir the app's integrity records (IntegrityRecord), or null for none
   * @param flavor this app build's flavor ("xnnpack", "vulkan"): sets it cannot run are refused
   *     before they are copied; null accepts every backend
   */
  public ModelInstaller(ModelStore store, FreeSpace space, File recordDir, String flavor) {
    this.store = store;
    this.space = space;
    this.recordDir = recordDir;
    this.flavor = flavor;
  }

  /** Copies an artifact folder (manifest.json and the files it names; nothing else). */
  public Result fromFolder(Folder folder, InstallTask task) throws InstallException {
    String where = folder.describe();
    byte[] manifestBytes;
    try (InputStream in = folder.open(Manifest.FILE_NAME)) {
      if (in == null) {
        throw new InstallException(where + ": no " + Manifest.FILE_NAME + "; not a bluev artifact folder");
      }
      manifestBytes = readAll(in::read, where);
    } catch (IOException ex) {
      throw new InstallException(where + ": " + Manifest.FILE_NAME + " unreadable (" + ex.getMessage() + ")");
    }
    Manifest m = check(manifestBytes, where);
    checkFolderFiles(folder, m, where);
    long total = m.totalBytes() + manifestBytes.length;
    checkSpace(total, where);
    return build(where, manifestBytes, m, staging -> {
      long[] done = {0};
      for (Manifest.FileRef f : m.fileRefs()) {
        try (InputStream in = folder.open(f.file)) {
          if (in == null) {
            throw new InstallException(where + ": " + f.file + " disappeared while copying");
          }
          copyVerified(in::read, staging, f, where, task, n -> task.progress(done[0] += n, total, f.file));
        }
      }
    });
  }

  /** Every named file there, at its size (when the folder says), before a byte is copied. */
  private static void checkFolderFiles(Folder folder, Manifest m, String where) throws InstallException {
    for (Manifest.FileRef f : m.fileRefs()) {
      long size;
      try {
        if (!folder.has(f.file)) {
          throw new InstallException(missing(where, f));
        }
        size = folder.size(f.file);
      } catch (IOException ex) {
        throw new InstallException(where + ": " + f.file + " unreadable (" + ex.getMessage() + ")");
      }
      if (size >= 0 && size != f.bytes) { // an unknown size is checked while copying
        throw new InstallException(sizeMismatch(where, f, size));
      }
    }
  }

  /**
   * Installs a bundle read from {@code in} (a picked file or a download).
   *
   * @param length the bundle's size when known (free space is checked against it first), or -1
   * @param expectedSha256 the bundle's sha256 from the link, or null to rely on the manifest's
   */
  public Result fromBundle(
      InputStream in, long length, String where, String expectedSha256, InstallTask task)
      throws InstallException {
    if (length >= 0) {
      checkSpace(length, where); // a first look; the manifest's sizes decide below
    }
    MeteredInput metered = new MeteredInput(in, task, where, length);
    ZipStream zip = new ZipStream(metered, where);
    try {
      ZipStream.Entry first = zip.next();
      if (first == null || !first.name.equals(Manifest.FILE_NAME)) {
        throw new InstallException(
            where + ": manifest.json is not its first entry, so it is no bluev bundle (make one with"
                + " `bluev bundle DIR FILE.zip`, or import the unpacked folder)");
      }
      metered.file(Manifest.FILE_NAME);
      byte[] manifestBytes = readAll(zip::read, where);
      Manifest m = check(manifestBytes, where);
      checkSpace(m.totalBytes() + manifestBytes.length, where);
      return build(where, manifestBytes, m, staging -> {
        copyEntries(zip, metered, m, staging, where, task);
        zip.drain();
        if (length >= 0 && metered.count() != length) {
          throw new InstallException(where + ": ended after " + metered.count() + " of " + length + " bytes");
        }
        String sha256 = metered.sha256();
        if (expectedSha256 != null && !expectedSha256.equalsIgnoreCase(sha256)) {
          throw new InstallException(
              where + ": the bundle's sha256 is " + sha256 + ", the link says " + expectedSha256
                  + " (damaged or replaced download); refused");
        }
      });
    } catch (IOException ex) {
      throw new InstallException(oneLine(ex, where));
    }
  }

  /** Downloads and installs a bundle (resuming a dropped connection with HTTP Range). */
  public Result download(
      URL url, String expectedSha256, HttpDownload.Options options, InstallTask task)
      throws InstallException {
    String where = HttpDownload.describe(url);
    try (HttpDownload in = HttpDownload.open(url, options, task)) {
      return fromBundle(in, in.length(), where, expectedSha256, task);
    } catch (IOException ex) {
      throw new InstallException(oneLine(ex, where));
    }
  }

  private void copyEntries(
      ZipStream zip, MeteredInput metered, Manifest m, File staging, String where, InstallTask task)
      throws IOException, InstallException {
    Map<String, Manifest.FileRef> wanted = new LinkedHashMap<>();
    for (Manifest.FileRef f : m.fileRefs()) {
      wanted.put(f.file, f);
    }
    Set<String> copied = new HashSet<>();
    for (ZipStream.Entry e; (e = zip.next()) != null; ) {
      Manifest.FileRef f = wanted.get(e.name);
      if (f == null || !copied.add(e.name)) {
        throw new InstallException(
            where + ": " + e.name
                + (f == null ? ": not named by its manifest" : ": in the bundle twice") + "; refused");
      }
      if (e.size >= 0 && e.size != f.bytes) {
        throw new InstallException(sizeMismatch(where, f, e.size));
      }
      metered.file(e.name);
      copyVerified(zip::read, staging, f, where, task, null);
    }
    for (Manifest.FileRef f : m.fileRefs()) {
      if (!copied.contains(f.file)) {
        throw new InstallException(missing(where, f));
      }
    }
  }

  /** A source of bytes: a file's stream, or the current entry of a zip stream. */
  private interface Chunks {
    int read(byte[] b, int off, int len) throws IOException, InstallException;
  }

  /** The staging folder's contents (everything but the manifest, which goes in last). */
  private interface Body {
    void fill(File staging) throws IOException, InstallException;
  }

  private Result build(String where, byte[] manifestBytes, Manifest m, Body body)
      throws InstallException {
    File staging;
    try {
      staging = store.newStaging();
    } catch (IOException ex) {
      throw new InstallException(where + ": " + ex.getMessage());
    }
    boolean committed = false;
    try {
      body.fill(staging);
      write(new File(staging, Manifest.FILE_NAME), manifestBytes, where);
      boolean[] existed = new boolean[1];
      File dir = store.commit(staging, ArtifactDir.dirName(manifestBytes), existed);
      committed = true;
      if (!existed[0]) {
        writeRecord(dir, m);
      }
      return new Result(ModelStore.describe(dir), existed[0]);
    } catch (IOException ex) {
      throw new InstallException(oneLine(ex, where));
    } finally {
      if (!committed) {
        ModelStore.deleteTree(staging);
      }
    }
  }

  /** Copies one file into staging, hashing it on the way, and refuses it unless it matches. */
  private static void copyVerified(
      Chunks src, File staging, Manifest.FileRef f, String where, InstallTask task, LongConsumer onBytes)
      throws IOException, InstallException {
    File dst = new File(staging, f.file);
    File parent = dst.getParentFile();
    if (!parent.isDirectory() && !parent.mkdirs()) {
      throw new InstallException(where + ": cannot create " + parent);
    }
    MessageDigest md = ArtifactDir.newDigest();
    byte[] buf = new byte[BLOCK];
    long written = 0;
    try (FileOutputStream out = new FileOutputStream(dst)) {
      for (int n; (n = src.read(buf, 0, buf.length)) >= 0; ) {
        task.check(where);
        written += n;
        if (written > f.bytes) {
          throw new InstallException(sizeMismatch(where, f, written) + " or more");
        }
        md.update(buf, 0, n);
        try {
          out.write(buf, 0, n);
        } catch (IOException ex) {
          throw new InstallException(writeFailed(where, f.file, ex));
        }
        if (onBytes != null) {
          onBytes.accept(n);
        }
      }
      out.getFD().sync(); // on disk before the rename makes the set visible
    } catch (IOException ex) {
      if (ex instanceof MeteredInput.CancelledIo || ex instanceof HttpDownload.Failed) {
        throw ex;
      }
      throw new InstallException(where + ": " + f.file + ": " + ex.getMessage());
    }
    if (written != f.bytes) {
      throw new InstallException(sizeMismatch(where, f, written));
    }
    if (!ArtifactDir.hex(md.digest()).equals(f.sha256)) {
      throw new InstallException(
          where + ": " + f.file + ": sha256 does not match the manifest (corrupt or replaced file); refused");
    }
  }

  private Manifest check(byte[] manifestBytes, String where) throws InstallException {
    Manifest m;
    try {
      String text = new String(manifestBytes, StandardCharsets.UTF_8);
      m = Manifest.parse(text, where + ": " + Manifest.FILE_NAME);
    } catch (ArtifactException ex) {
      throw new InstallException(ex.getMessage());
    }
    String problem = flavor == null ? null : Backends.problem(m, false, flavor);
    if (problem != null) {
      throw new InstallException(where + ": " + problem);
    }
    return m;
  }

  private void checkSpace(long needed, String where) throws InstallException {
    File root = store.root();
    if (!root.isDirectory() && !root.mkdirs() && !root.isDirectory()) {
      throw new InstallException(where + ": cannot create " + root);
    }
    long free = space.bytes(root);
    if (needed > free) {
      throw new InstallException(
          where + ": needs " + InstalledModel.megabytes(needed) + " and the phone has "
              + InstalledModel.megabytes(free) + " free; free some space and try again");
    }
  }

  private void writeRecord(File dir, Manifest m) {
    if (recordDir == null) {
      return;
    }
    try {
      IntegrityRecord record = IntegrityRecord.load(recordDir, dir);
      for (Manifest.FileRef f : m.fileRefs()) {
        record.put(f.file, new File(dir, f.file), f.sha256);
      }
      record.save();
    } catch (IOException ex) {
      // Not fatal: the set is installed and verified; its first open just hashes it again.
    }
  }

  private static byte[] readAll(Chunks src, String where) throws IOException, InstallException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[BLOCK];
    for (int n; (n = src.read(buf, 0, buf.length)) >= 0; ) {
      out.write(buf, 0, n);
      if (out.size() > MAX_MANIFEST_BYTES) {
        throw new InstallException(
            where + ": manifest.json is over " + MAX_MANIFEST_BYTES + " bytes; not a bluev manifest");
      }
    }
    return out.toByteArray();
  }

  private static void write(File f, byte[] bytes, String where) throws InstallException {
    try (FileOutputStream out = new FileOutputStream(f)) {
      out.write(bytes);
      out.getFD().sync();
    } catch (IOException ex) {
      throw new InstallException(writeFailed(where, f.getName(), ex));
    }
  }

  private static String missing(String where, Manifest.FileRef f) {
    return where + ": " + f.file + " missing (" + f.role + " named by the manifest)";
  }

  private static String sizeMismatch(String where, Manifest.FileRef f, long size) {
    return where + ": " + f.file + " is " + size + " bytes, its manifest says " + f.bytes + "; refused";
  }

  private static String writeFailed(String where, String file, IOException ex) {
    return where + ": writing " + file + " to the phone's storage failed (" + ex.getMessage()
        + "); free some space and try again";
  }

  /** An I/O failure as one line: messages that already name the source are kept as they are. */
  private static String oneLine(IOException ex, String where) {
    if (ex instanceof MeteredInput.CancelledIo || ex instanceof HttpDownload.Failed) {
      return ex.getMessage();
    }
    String reason = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
    return where + ": " + reason.replace('\n', ' ');
  }
}
