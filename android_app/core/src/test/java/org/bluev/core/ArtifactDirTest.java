package org.bluev.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class ArtifactDirTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  private File dirWithManifest() throws Exception {
    File dir = tmp.newFolder("art");
    Files.write(new File(dir, "manifest.json").toPath(), TestFiles.manifestBytes("tiny-xnnpack"));
    return dir;
  }

  @Test
  public void dirNameIsTheFirst16HexOfTheManifestSha256() throws Exception {
    // FIPS 180-2's test vector: SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223...
    assertEquals("ba7816bf8f01cfea", ArtifactDir.dirName("abc".getBytes(StandardCharsets.US_ASCII)));
    assertEquals(16, ArtifactDir.dirName(TestFiles.manifestBytes("tiny-xnnpack")).length());
  }

  @Test
  public void aSymlinkOutOfTheDirectoryIsRefused() throws Exception {
    File dir = dirWithManifest();
    File outside = tmp.newFile("elsewhere.pte");
    Files.createSymbolicLink(new File(dir, "vision_encoder.pte").toPath(), outside.toPath());
    ArtifactException ex = assertThrows(ArtifactException.class, () -> ArtifactDir.open(dir, false));
    assertTrue(ex.getMessage(), ex.getMessage().contains("'vision_encoder.pte' is outside the artifact directory"));
  }

  @Test
  public void sha256OfAFile() throws Exception {
    File f = tmp.newFile("hello");
    Files.write(f.toPath(), "hello".getBytes(StandardCharsets.US_ASCII));
    assertEquals(
        "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
        ArtifactDir.sha256Hex(f));
  }

  @Test
  public void missingDirectoryManifestAndFilesAreNamed() throws Exception {
    File none = new File(tmp.getRoot(), "none");
    assertTrue(
        assertThrows(ArtifactException.class, () -> ArtifactDir.open(none, false))
            .getMessage()
            .contains("no such artifact directory"));
    File empty = tmp.newFolder("empty");
    assertTrue(
        assertThrows(ArtifactException.class, () -> ArtifactDir.open(empty, false))
            .getMessage()
            .endsWith("manifest.json: missing; not a bluev artifact directory"));
    File dir = dirWithManifest();
    String msg = assertThrows(ArtifactException.class, () -> ArtifactDir.open(dir, false)).getMessage();
    assertTrue(msg, msg.endsWith("vision_encoder.pte: missing (vision_encoder named by the manifest)"));
  }

  @Test
  public void hashesAreCheckedOnlyWhenAsked() throws Exception {
    File dir = dirWithManifest();
    for (String name :
        new String[] {"vision_encoder.pte", "projector.pte", "llm.pte", "llm.ptd", "tokenizer.json",
            "stock_runner.pte", "speech_encoder.pte", "speech_decoder.pte", "speech_tokenizer.json",
            "mel_filters.bin"}) {
      Files.write(new File(dir, name).toPath(), new byte[] {1, 2, 3});
    }
    ArtifactDir opened = ArtifactDir.open(dir, false);
    assertEquals("tiny", opened.manifest.preset);
    String msg = assertThrows(ArtifactException.class, () -> ArtifactDir.open(dir, true)).getMessage();
    assertTrue(msg, msg.contains("vision_encoder.pte: sha256 does not match the manifest"));
  }
}
