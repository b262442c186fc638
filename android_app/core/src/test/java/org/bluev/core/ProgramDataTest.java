package org.bluev.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;

import org.junit.Test;

/** The component engine refuses programs with a data file (.ptd), on manifests export writes. */
public class ProgramDataTest {
  @Test
  public void aSetWithLlmPtdIsRefusedByTheComponentEngineInOneLine() throws Exception {
    Manifest m = Manifest.parse(TestFiles.manifest("tiny-xnnpack"), "m"); // exported --data-file
    assertEquals("llm.ptd", m.components.get("llm").dataFile);
    String why = ProgramData.problem(m, false);
    assertEquals(
        "llm.pte: manifest components.llm.data names llm.ptd (weights stored outside the .pte), and"
            + " ExecuTorch Android's Module.load takes a .pte alone: export with --no-data-file"
            + " for the app",
        why);
    assertEquals(-1, why.indexOf('\n'));
    // the stock engine reads stock_runner.pte, which export always writes as one file
    assertNull(ProgramData.problem(m, true));
  }

  @Test
  public void setsWithoutDataFilesLoad() throws Exception {
    String oneFile =
        TestFiles.manifest("tiny-xnnpack")
            .replaceAll("\"data\": \\{[^}]*\\}", "\"data\": null");
    Manifest m = Manifest.parse(oneFile, "m");
    assertNull(m.components.get("llm").dataFile);
    assertNull(ProgramData.problem(m, false));
    for (String kind : new String[] {"tiny-static", "tiny-vulkan"}) {
      assertNull(kind, ProgramData.problem(Manifest.parse(TestFiles.manifest(kind), kind), false));
    }
  }
}
