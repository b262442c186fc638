package org.bluev.core;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The streaming zip reader on the real bundle, its ZIP64 copy, a JDK-written zip and damage. */
public class ZipStreamTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  /** Every entry's name, storage and bytes, read front to back. */
  private static List<Object[]> readAll(InputStream in) throws Exception {
    ZipStream zip = new ZipStream(in, "test.zip");
    List<Object[]> out = new ArrayList<>();
    for (ZipStream.Entry e; (e = zip.next()) != null; ) {
      ByteArrayOutputStream data = new ByteArrayOutputStream();
      byte[] buf = new byte[4096]; // smaller than the reader's buffer: entries span many reads
      for (int n; (n = zip.read(buf, 0, buf.length)) >= 0; ) {
        data.write(buf, 0, n);
      }
      out.add(new Object[] {e.name, e.stored, e.size, data.toByteArray()});
    }
    return out;
  }

  private static void assertSameAsJdk(File zip, List<Object[]> entries) throws Exception {
    for (Object[] e : entries) {
      assertArrayEquals((String) e[0], Bundles.entry(zip, (String) e[0]), (byte[]) e[3]);
    }
  }

  @Test
  public void theBundleIsManifestFirstThenTheFilesItNamesProgramsStored() throws Exception {
    List<Object[]> entries;
    try (InputStream in = new FileInputStream(Bundles.bundle())) {
      entries = readAll(in);
    }
    List<String> names = new ArrayList<>();
    for (Object[] e : entries) {
      names.add((String) e[0]);
      boolean program = ((String) e[0]).endsWith(".pte");
      assertEquals((String) e[0], program, e[1]); // .pte stored, .json deflated
      assertEquals((String) e[0], (long) ((byte[]) e[3]).length, (long) (Long) e[2]);
    }
    List<String> expected = new ArrayList<>();
    expected.add(Manifest.FILE_NAME);
    for (Manifest.FileRef f : Bundles.manifest().fileRefs()) {
      expected.add(f.file);
    }
    assertEquals(expected, names);
    assertSameAsJdk(Bundles.bundle(), entries);
    assertArrayEquals(Bundles.manifestBytes(), (byte[]) entries.get(0)[3]);
  }

  @Test
  public void zip64LocalHeadersGiveTheSameEntries() throws Exception {
    List<Object[]> plain;
    List<Object[]> zip64;
    try (InputStream a = new FileInputStream(Bundles.bundle());
        InputStream b = new FileInputStream(Bundles.zip64())) {
      plain = readAll(a);
      zip64 = readAll(b);
    }
    assertEquals(plain.size(), zip64.size());
    for (int i = 0; i < plain.size(); i++) {
      assertEquals(plain.get(i)[0], zip64.get(i)[0]);
      assertEquals(plain.get(i)[2], zip64.get(i)[2]);
      assertArrayEquals((byte[]) plain.get(i)[3], (byte[]) zip64.get(i)[3]);
    }
  }

  @Test
  public void deflatedEntriesWithDataDescriptorsAsTheJdkWritesThem() throws Exception {
    List<String> names = new ArrayList<>(Arrays.asList(Manifest.FILE_NAME));
    for (Manifest.FileRef f : Bundles.manifest().fileRefs()) {
      names.add(f.file);
    }
    File zip = Bundles.zipWithJdk(Bundles.folder(), names, tmp.newFile("jdk.zip"));
    List<Object[]> entries;
    try (InputStream in = new FileInputStream(zip)) {
      entries = readAll(in);
    }
    assertEquals(names.size(), entries.size());
    assertEquals(-1L, (long) (Long) entries.get(0)[2]); // size unknown until its descriptor
    assertSameAsJdk(zip, entries);
  }

  @Test
  public void aFlippedByteInAStoredProgramFailsItsCrc() throws Exception {
    File bundle = Bundles.bundle();
    File bad = Bundles.flipped(bundle, Bundles.dataOffset(bundle, "llm.pte") + 1000, tmp.newFile("bad.zip"));
    InstallException ex;
    try (InputStream in = new FileInputStream(bad)) {
      ex = assertThrows(InstallException.class, () -> readAll(in));
    }
    assertEquals("test.zip: llm.pte: CRC-32 does not match (damaged bundle)", ex.getMessage());
  }

  @Test
  public void aFlippedByteInDeflatedDataIsRefused() throws Exception {
    File bundle = Bundles.bundle();
    File bad = Bundles.flipped(bundle, Bundles.dataOffset(bundle, "tokenizer.json") + 200, tmp.newFile("bad.zip"));
    InstallException ex;
    try (InputStream in = new FileInputStream(bad)) {
      ex = assertThrows(InstallException.class, () -> readAll(in));
    }
    assertTrue(ex.getMessage(), ex.getMessage().startsWith("test.zip: tokenizer.json: "));
    assertFalse(ex.getMessage(), ex.getMessage().contains("\n"));
  }

  @Test
  public void aTruncatedBundleSaysSo() throws Exception {
    byte[] whole = Files.readAllBytes(Bundles.bundle().toPath());
    byte[] half = Arrays.copyOf(whole, whole.length / 2);
    InstallException ex =
        assertThrows(InstallException.class, () -> readAll(new ByteArrayInputStream(half)));
    assertTrue(ex.getMessage(), ex.getMessage().endsWith("ends inside the entry (truncated download or file)"));
    // every entry whole, the central directory cut off: still not a complete file
    byte[] noDirectory = Arrays.copyOf(whole, (int) Bundles.centralDirectoryOffset(Bundles.bundle()));
    ex = assertThrows(InstallException.class, () -> readAll(new ByteArrayInputStream(noDirectory)));
    assertEquals("test.zip: ends before its central directory (truncated download or file)", ex.getMessage());
  }

  @Test
  public void notAZip() throws Exception {
    byte[] text = "{\"format\": \"bluev-artifacts\"}".getBytes("UTF-8");
    ZipStream zip = new ZipStream(new ByteArrayInputStream(text), "manifest.json");
    InstallException ex = assertThrows(InstallException.class, zip::next);
    assertEquals("manifest.json: not a zip file (or damaged: no entry header where one belongs)", ex.getMessage());
    assertNull(new ZipStream(new ByteArrayInputStream(endOfEmptyZip()), "empty.zip").next());
  }

  /** The 22-byte end record that is a whole empty zip. */
  private static byte[] endOfEmptyZip() {
    byte[] b = new byte[22];
    b[0] = 'P';
    b[1] = 'K';
    b[2] = 5;
    b[3] = 6;
    return b;
  }
}
