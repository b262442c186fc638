package org.bluev.core;

import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * The real bundle `make android-unit` makes before the tests (`bluev export --bundle` of tiny's
 * LLM), its ZIP64 copy and its artifact folder, by system property; and damaged or re-packed
 * variants of them, written by the JDK's own zip classes.
 */
final class Bundles {
  private Bundles() {}

  /** tiny-llm.zip, as `bluev export --bundle` wrote it. */
  static File bundle() {
    return fixture("bluev.bundle");
  }

  /** The same entries with ZIP64 local headers (android_app/tools/zip64_copy.py). */
  static File zip64() {
    return fixture("bluev.bundleZip64");
  }

  /** The artifact folder the bundle was made from. */
  static File folder() {
    return fixture("bluev.bundleDir");
  }

  static byte[] manifestBytes() throws IOException {
    return Files.readAllBytes(new File(folder(), Manifest.FILE_NAME).toPath());
  }

  static Manifest manifest() throws Exception {
    return Manifest.parse(new String(manifestBytes(), "UTF-8"), "fixture");
  }

  /** A copy of {@code f} with the byte at {@code offset} inverted. */
  static File flipped(File f, long offset, File out) throws IOException {
    byte[] bytes = Files.readAllBytes(f.toPath());
    bytes[(int) offset] ^= (byte) 0xff;
    Files.write(out.toPath(), bytes);
    return out;
  }

  /** Where the data of entry {@code name} starts in the zip file (its local header's end). */
  static long dataOffset(File zip, String name) throws IOException {
    byte[] b = Files.readAllBytes(zip.toPath());
    for (int i = 0; i + 30 < b.length; i++) {
      if (b[i] == 'P' && b[i + 1] == 'K' && b[i + 2] == 3 && b[i + 3] == 4) {
        int nameLen = (b[i + 26] & 0xff) | (b[i + 27] & 0xff) << 8;
        int extraLen = (b[i + 28] & 0xff) | (b[i + 29] & 0xff) << 8;
        if (new String(b, i + 30, nameLen, "UTF-8").equals(name)) {
          return i + 30 + nameLen + extraLen;
        }
      }
    }
    throw new IllegalArgumentException(zip + ": no entry " + name);
  }

  /** Where the central directory starts: the end record's offset field (the last 22 bytes). */
  static long centralDirectoryOffset(File zip) throws IOException {
    byte[] b = Files.readAllBytes(zip.toPath());
    int end = b.length - 22;
    return (b[end + 16] & 0xffL) | (b[end + 17] & 0xffL) << 8 | (b[end + 18] & 0xffL) << 16
        | (b[end + 19] & 0xffL) << 24;
  }

  /**
   * The files {@code names} of {@code dir} zipped in that order with java.util.zip: programs
   * stored (sizes in the local header), the rest deflated with data descriptors, as the JDK
   * writes them.
   */
  static File zipWithJdk(File dir, List<String> names, File out) throws IOException {
    try (ZipOutputStream zip = new ZipOutputStream(new FileOutputStream(out))) {
      for (String name : names) {
        byte[] data = Files.readAllBytes(new File(dir, name).toPath());
        ZipEntry e = new ZipEntry(name);
        if (name.endsWith(".pte")) {
          CRC32 crc = new CRC32();
          crc.update(data);
          e.setMethod(ZipEntry.STORED);
          e.setSize(data.length);
          e.setCompressedSize(data.length);
          e.setCrc(crc.getValue());
        }
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
      }
    }
    return out;
  }

  /** An entry's bytes as the JDK's central-directory reader gives them. */
  static byte[] entry(File zip, String name) throws IOException {
    try (ZipFile z = new ZipFile(zip)) {
      return z.getInputStream(z.getEntry(name)).readAllBytes();
    }
  }

  static void copyTree(File from, File to) throws IOException {
    to.mkdirs();
    File[] files = from.listFiles();
    for (File f : files == null ? new File[0] : files) {
      Files.copy(f.toPath(), new File(to, f.getName()).toPath());
    }
  }

  static void write(File f, byte[] bytes) throws IOException {
    try (OutputStream out = new FileOutputStream(f)) {
      out.write(bytes);
    }
  }

  /** Every file and folder under {@code dir}, hidden ones included (nothing may be left). */
  static String[] everything(File dir) {
    String[] names = dir.list();
    return names == null ? new String[0] : names;
  }

  private static File fixture(String property) {
    String path = System.getProperty(property);
    if (path == null) {
      throw new IllegalStateException("set -D" + property + " (make android-unit makes the bundle and passes it)");
    }
    return new File(path);
  }
}
