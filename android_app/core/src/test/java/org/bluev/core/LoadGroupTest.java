package org.bluev.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.file.Files;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * All-or-nothing loading, on real open files standing in for ExecuTorch modules (both are
 * AutoCloseable native handles; what matters is that each is closed exactly when it should be).
 */
public class LoadGroupTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  private FileInputStream openFile(String name) throws IOException {
    File f = tmp.newFile(name);
    Files.write(f.toPath(), new byte[] {42});
    return new FileInputStream(f);
  }

  private static boolean isClosed(FileInputStream in) {
    try {
      in.available();
      return false;
    } catch (IOException ex) {
      return true; // "Stream Closed"
    }
  }

  @Test
  public void aFailedStepClosesEverythingOpenedAndNamesTheFile() throws Exception {
    LoadGroup group = new LoadGroup();
    FileInputStream llm = group.open("llm.pte", () -> openFile("llm.pte"));
    FileInputStream vision = group.open("vision_encoder.pte", () -> openFile("vision_encoder.pte"));
    ArtifactException ex =
        assertThrows(
            ArtifactException.class,
            () ->
                group.run(
                    "projector.pte",
                    () -> {
                      // ExecuTorch's shape: code, reason, then the native log tail on one line.
                      throw new RuntimeException(
                          "[ExecuTorch Error 0x23] Invalid program: Failed to load method: forward"
                              + " | nativeLog=E 00:00:00 program.cpp:123 bad flatbuffer ...");
                    }));
    assertEquals(
        "projector.pte: [ExecuTorch Error 0x23] Invalid program: Failed to load method: forward",
        ex.getMessage());
    assertTrue(isClosed(llm));
    assertTrue(isClosed(vision));
  }

  @Test
  public void aFailedOpenClosesTheEarlierOnes() throws Exception {
    LoadGroup group = new LoadGroup();
    FileInputStream llm = group.open("llm.pte", () -> openFile("llm.pte"));
    File missing = new File(tmp.getRoot(), "vision_encoder.pte");
    ArtifactException ex =
        assertThrows(
            ArtifactException.class,
            () -> group.open(missing.getName(), () -> new FileInputStream(missing)));
    assertTrue(ex.getMessage(), ex.getMessage().startsWith("vision_encoder.pte: "));
    assertTrue(ex.getCause() instanceof IOException);
    assertTrue(isClosed(llm));
  }

  @Test
  public void successKeepsThemOpenUntilClose() throws Exception {
    LoadGroup group = new LoadGroup();
    FileInputStream a = group.open("a", () -> openFile("a"));
    FileInputStream b = group.open("b", () -> openFile("b"));
    group.run("a", () -> assertEquals(42, a.read()));
    assertEquals("text", group.read("tokenizer.json", () -> "text"));
    assertTrue(!isClosed(a) && !isClosed(b));
    group.close();
    assertTrue(isClosed(a) && isClosed(b));
  }

  @Test
  public void artifactExceptionsAndErrorsPassThrough() throws Exception {
    LoadGroup group = new LoadGroup();
    FileInputStream a = group.open("a", () -> openFile("a"));
    ArtifactException named = new ArtifactException("tokenizer.json: expected an object");
    assertSame(named, assertThrows(ArtifactException.class, () -> group.run("x", () -> { throw named; })));
    assertTrue(isClosed(a));
    LoadGroup other = new LoadGroup();
    FileInputStream b = other.open("b", () -> openFile("b"));
    OutOfMemoryError oom = new OutOfMemoryError("test");
    assertSame(oom, assertThrows(OutOfMemoryError.class, () -> other.run("b", () -> { throw oom; })));
    assertTrue(isClosed(b));
  }

  @Test
  public void reasonIsOneLine() {
    assertEquals("boom", LoadGroup.reason(new IllegalStateException("boom\n  at native")));
    assertEquals("IllegalStateException", LoadGroup.reason(new IllegalStateException()));
  }
}
