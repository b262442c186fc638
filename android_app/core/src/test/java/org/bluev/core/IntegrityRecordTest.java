package org.bluev.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.FileTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Artifact integrity is hashed once per set and remembered by size and mtime: on real files in a
 * temporary directory, with a manifest whose hashes are those of the files written.
 */
public class IntegrityRecordTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  private static final String[] NAMES = {
    "vision_encoder.pte", "projector.pte", "llm.pte", "llm.ptd", "speech_encoder.pte", "speech_decoder.pte",
    "tokenizer.json", "stock_runner.pte", "speech_tokenizer.json", "mel_filters.bin"
  };

  /** An artifact directory with the tiny manifest rewritten to the hashes of small files. */
  private File artifacts() throws Exception {
    File dir = tmp.newFolder("art");
    String manifest = TestFiles.manifest("tiny-xnnpack");
    Map<String, String> oldHash = new LinkedHashMap<>();
    for (String[] entry : Manifest.parse(manifest, "m").files()) {
      oldHash.put(entry[1], entry[2]);
    }
    for (String name : NAMES) {
      File f = new File(dir, name);
      Files.write(f.toPath(), ("contents of " + name).getBytes(StandardCharsets.UTF_8));
      manifest = manifest.replace(oldHash.get(name), ArtifactDir.sha256Hex(f));
    }
    Files.write(new File(dir, "manifest.json").toPath(), manifest.getBytes(StandardCharsets.UTF_8));
    return dir;
  }

  /** Rewrites a file with same-size different bytes and puts its mtime back: invisible to the record. */
  private static void tamperKeepingSizeAndMtime(File f) throws Exception {
    FileTime mtime = Files.getLastModifiedTime(f.toPath());
    byte[] bytes = Files.readAllBytes(f.toPath());
    bytes[0] ^= 1;
    Files.write(f.toPath(), bytes);
    Files.setLastModifiedTime(f.toPath(), mtime);
  }

  @Test
  public void hashesOnceThenTrustsUnchangedFiles() throws Exception {
    File dir = artifacts();
    File records = new File(tmp.getRoot(), "records");
    ArtifactDir first = ArtifactDir.open(dir, records);
    assertEquals(List.of(NAMES), first.hashed);
    File record = IntegrityRecord.load(records, dir).file();
    assertTrue(record.isFile());

    // The second start hashes nothing: a same-size, same-mtime edit is not even read.
    tamperKeepingSizeAndMtime(new File(dir, "llm.pte"));
    ArtifactDir second = ArtifactDir.open(dir, records);
    assertEquals(List.of(), second.hashed);
    // ...which is exactly the trade: a full check (no record) does see it.
    String full = assertThrows(ArtifactException.class, () -> ArtifactDir.open(dir, true)).getMessage();
    assertTrue(full, full.endsWith("llm.pte: sha256 does not match the manifest (corrupt or replaced file)"));
  }

  @Test
  public void aChangedFileIsHashedAgainAndRefused() throws Exception {
    File dir = artifacts();
    File records = new File(tmp.getRoot(), "records");
    ArtifactDir.open(dir, records);
    File llm = new File(dir, "llm.pte");

    // Re-pushed with other bytes (new mtime): refused, and refused again at the next start.
    Files.write(llm.toPath(), "contents of llm.ptX".getBytes(StandardCharsets.UTF_8));
    Files.setLastModifiedTime(llm.toPath(), FileTime.fromMillis(llm.lastModified() + 5000));
    for (int start = 0; start < 2; start++) {
      String msg = assertThrows(ArtifactException.class, () -> ArtifactDir.open(dir, records)).getMessage();
      assertTrue(msg, msg.endsWith("llm.pte: sha256 does not match the manifest (corrupt or replaced file)"));
    }

    // Restored (right bytes, yet another mtime): hashed again, only that file, then trusted.
    Files.write(llm.toPath(), "contents of llm.pte".getBytes(StandardCharsets.UTF_8));
    Files.setLastModifiedTime(llm.toPath(), FileTime.fromMillis(llm.lastModified() + 5000));
    assertEquals(List.of("llm.pte"), ArtifactDir.open(dir, records).hashed);
    assertEquals(List.of(), ArtifactDir.open(dir, records).hashed);

    // A different size is a change even with the old mtime put back.
    FileTime mtime = Files.getLastModifiedTime(llm.toPath());
    Files.write(llm.toPath(), "longer contents of llm.pte".getBytes(StandardCharsets.UTF_8));
    Files.setLastModifiedTime(llm.toPath(), mtime);
    assertThrows(ArtifactException.class, () -> ArtifactDir.open(dir, records));
  }

  @Test
  public void aReExportedManifestOrAnotherDirectoryStartsOver() throws Exception {
    File dir = artifacts();
    File records = new File(tmp.getRoot(), "records");
    ArtifactDir.open(dir, records);

    // The same files under another directory (a copy) have their own record.
    File copy = tmp.newFolder("copy");
    for (File f : dir.listFiles()) {
      Files.copy(f.toPath(), new File(copy, f.getName()).toPath());
    }
    assertEquals(NAMES.length, ArtifactDir.open(copy, records).hashed.size());

    // A manifest naming another hash for a file the record vouched for: hashed, and refused.
    File manifest = new File(dir, "manifest.json");
    String text = new String(Files.readAllBytes(manifest.toPath()), StandardCharsets.UTF_8);
    String llmHash = ArtifactDir.sha256Hex(new File(dir, "llm.pte"));
    Files.write(manifest.toPath(), text.replace(llmHash, "0".repeat(64)).getBytes(StandardCharsets.UTF_8));
    String msg = assertThrows(ArtifactException.class, () -> ArtifactDir.open(dir, records)).getMessage();
    assertTrue(msg, msg.endsWith("llm.pte: sha256 does not match the manifest (corrupt or replaced file)"));
  }

  @Test
  public void aDamagedRecordCostsOnlyAFullCheck() throws Exception {
    File dir = artifacts();
    File records = new File(tmp.getRoot(), "records");
    ArtifactDir.open(dir, records);
    File record = IntegrityRecord.load(records, dir).file();
    for (String text : List.of("{\"schema\": 1", "[]", "{\"schema\": \"bluev-integrity/1\"}")) {
      Files.write(record.toPath(), text.getBytes(StandardCharsets.UTF_8));
      assertEquals(text, NAMES.length, ArtifactDir.open(dir, records).hashed.size());
    }
    assertFalse(new File(records, record.getName() + ".part").exists());
  }
}
