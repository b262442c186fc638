package org.bluev.core;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Opens an artifact directory as runtime/artifacts.py does: manifest.json first, then every file
 * it names must exist (and match its sha256 when asked). Also names the directory the phone keeps
 * it in, {@code /data/local/tmp/bluev/<hash>/}, shared with the adb benchmark.
 */
public final class ArtifactDir {
  public final File root;
  public final Manifest manifest;

  /** The files this open hashed (empty when they were all checked before and are unchanged). */
  public final List<String> hashed;

  private ArtifactDir(File root, Manifest manifest, List<String> hashed) {
    this.root = root;
    this.manifest = manifest;
    this.hashed = Collections.unmodifiableList(hashed);
  }

  public File file(String name) {
    return new File(root, name);
  }

  /**
   * @param verifyHashes hash every file (a few seconds per GB on a phone); off only where the
   *     caller checked them already
   */
  public static ArtifactDir open(File root, boolean verifyHashes) throws ArtifactException {
    return open(root, verifyHashes, null);
  }

  /**
   * Opens and checks the directory, hashing only the files {@code recordDir}'s record of it does
   * not vouch for (all of them the first time), then updates the record: the app's start does
   * not re-hash an unchanged set, and a changed file is still hashed and refused.
   */
  public static ArtifactDir open(File root, File recordDir) throws ArtifactException {
    return open(root, true, IntegrityRecord.load(recordDir, root));
  }

  private static ArtifactDir open(File root, boolean verifyHashes, IntegrityRecord record)
      throws ArtifactException {
    Manifest manifest = readManifest(root);
    List<String> hashed = new ArrayList<>();
    for (String[] entry : manifest.files()) {
      File f = new File(root, entry[1]);
      if (f.exists() && !inside(root, f)) { // a symlink that leads out of the folder
        throw new ArtifactException(
            new File(root, Manifest.FILE_NAME) + ": " + entry[0] + " file '" + entry[1]
                + "' is outside the artifact directory; refused");
      }
      if (!f.isFile()) {
        throw new ArtifactException(f + ": missing (" + entry[0] + " named by the manifest)");
      }
      if (!verifyHashes) {
        continue;
      }
      try {
        if (record != null && record.vouchesFor(entry[1], f, entry[2])) {
          continue;
        }
        if (!sha256Hex(f).equals(entry[2])) {
          throw new ArtifactException(
              f + ": sha256 does not match the manifest (corrupt or replaced file)");
        }
        hashed.add(entry[1]);
        if (record != null) {
          record.put(entry[1], f, entry[2]);
        }
      } catch (IOException ex) {
        throw new ArtifactException(f + ": unreadable (" + ex.getMessage() + ")");
      }
    }
    if (record != null && !hashed.isEmpty()) {
      try {
        record.save();
      } catch (IOException ex) {
        // Not fatal: the files are verified; the next open just hashes them again.
      }
    }
    return new ArtifactDir(root, manifest, hashed);
  }

  /** manifest.json of {@code root}, read and parsed; every failure names the file. */
  public static Manifest readManifest(File root) throws ArtifactException {
    if (!root.isDirectory()) {
      throw new ArtifactException(root + ": no such artifact directory (push one with adb)");
    }
    File manifestFile = new File(root, Manifest.FILE_NAME);
    if (!manifestFile.isFile()) {
      throw new ArtifactException(manifestFile + ": missing; not a bluev artifact directory");
    }
    String text;
    try {
      text = new String(Files.readAllBytes(manifestFile.toPath()), StandardCharsets.UTF_8);
    } catch (IOException ex) {
      throw new ArtifactException(manifestFile + ": unreadable (" + ex.getMessage() + ")");
    }
    return Manifest.parse(text, manifestFile.getPath());
  }

  /**
   * The name of the phone-side directory for an artifact set: the first 16 hex digits of the
   * sha256 of manifest.json's bytes. The manifest holds every file's hash, so equal names mean
   * equal artifacts, and the host can compute the name without talking to the phone.
   */
  public static String dirName(byte[] manifestBytes) {
    return hex(newDigest().digest(manifestBytes)).substring(0, 16);
  }

  public static String sha256Hex(File f) throws IOException {
    MessageDigest md = newDigest();
    byte[] buf = new byte[1 << 16];
    try (InputStream in = new FileInputStream(f)) {
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    return hex(md.digest());
  }

  static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException ex) {
      throw new IllegalStateException("the JVM has no SHA-256", ex); // every JVM and Android has it
    }
  }

  static String hex(byte[] bytes) {
    StringBuilder sb = new StringBuilder();
    for (byte b : bytes) {
      sb.append(String.format("%02x", b & 0xff));
    }
    return sb.toString();
  }

  private static boolean inside(File root, File f) throws ArtifactException {
    try {
      return f.getCanonicalPath().startsWith(root.getCanonicalPath() + File.separator);
    } catch (IOException ex) {
      throw new ArtifactException(f + ": unreadable (" + ex.getMessage() + ")");
    }
  }
}
