package org.bluev.core;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Opens an artifact directory as runtime/artifacts.py does: manifest.json first, then every file
 * it names must exist (and match its sha256 when asked). Also names the directory the phone keeps
 * it in, {@code /data/local/tmp/bluev/<hash>/}, shared with the adb benchmark.
 */
public final class ArtifactDir {
  public final File root;
  public final Manifest manifest;

  private ArtifactDir(File root, Manifest manifest) {
    this.root = root;
    this.manifest = manifest;
  }

  public File file(String name) {
    return new File(root, name);
  }

  /**
   * @param verifyHashes hash every file (a few seconds per GB on a phone): off for the benchmark's
   *     repeated runs is the caller's choice, on is the safe default
   */
  public static ArtifactDir open(File root, boolean verifyHashes) throws ArtifactException {
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
    Manifest manifest = Manifest.parse(text, manifestFile.getPath());
    for (String[] entry : manifest.files()) {
      File f = new File(root, entry[1]);
      if (!f.isFile()) {
        throw new ArtifactException(f + ": missing (" + entry[0] + " named by the manifest)");
      }
      if (verifyHashes) {
        String actual;
        try {
          actual = sha256Hex(f);
        } catch (IOException ex) {
          throw new ArtifactException(f + ": unreadable (" + ex.getMessage() + ")");
        }
        if (!actual.equals(entry[2])) {
          throw new ArtifactException(
              f + ": sha256 does not match the manifest (corrupt or replaced file)");
        }
      }
    }
    return new ArtifactDir(root, manifest);
  }

  /**
   * The name of the phone-side directory for an artifact set: the first 16 hex digits of the
   * sha256 of manifest.json's bytes. The manifest holds every file's hash, so equal names mean
   * equal artifacts, and the host can compute the name without talking to the phone.
   */
  public static String dirName(byte[] manifestBytes) {
    return hex(digest().digest(manifestBytes)).substring(0, 16);
  }

  public static String sha256Hex(File f) throws IOException {
    MessageDigest md = digest();
    byte[] buf = new byte[1 << 16];
    try (InputStream in = new FileInputStream(f)) {
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    return hex(md.digest());
  }

  private static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException ex) {
      throw new IllegalStateException("the JVM has no SHA-256", ex); // every JVM and Android has it
    }
  }

  private static String hex(byte[] bytes) {
    StringBuilder sb = new StringBuilder();
    for (byte b : bytes) {
      sb.append(String.format("%02x", b & 0xff));
    }
    return sb.toString();
  }
}
