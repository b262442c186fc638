package org.bluev.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.List;
import org.junit.Test;

/** manifest.json as export writes it (fixture: a real tiny-preset manifest, unedited). */
public class ManifestTest {
  private static Manifest tiny() throws Exception {
    return Manifest.parse(TestFiles.resource("tiny_manifest.json"), "tiny/manifest.json");
  }

  @Test
  public void readsTheTinyManifest() throws Exception {
    Manifest m = tiny();
    assertEquals("tiny", m.preset);
    assertEquals(List.of("vision_encoder", "projector", "llm"), List.copyOf(m.components.keySet()));
    assertEquals("llm.pte", m.components.get("llm").file);
    assertEquals(List.of("token_embedding", "prefill"), m.components.get("llm").methods);
    assertEquals("xnnpack", m.llmBackend());
    assertEquals(2048, m.llm.maxSeqLen);
    assertEquals(128, m.llm.chunkSize);
    assertEquals(64, m.llm.dim);
    assertEquals("token_embedding", m.llm.embedMethod);
    assertTrue(m.llm.decodeSharesPrefill());
    assertEquals(1, m.bosId);
    assertEquals(List.of(2L), m.eosIds);
    assertTrue(m.multimodal());
    assertEquals("relaxed", m.vision.tiler.policy);
    assertEquals(4, m.vision.tiler.maxTiles);
    assertEquals(8, m.vision.tiler.candidateGrids().size());
    assertEquals(196, m.vision.tokensPerTile);
    assertEquals(5, m.vision.maxBatch);
    assertEquals(0.5f, m.vision.mean[0], 0f);
    assertTrue(m.vision.thumbnailFirst);
    assertEquals("MultimodalRunner", m.stockRunner.runner);
    assertTrue(m.stockRunner.takesImage);
    assertEquals(384, m.stockRunner.imageSize);
    assertEquals("tokenizer.json", m.tokenizerFile);
    assertEquals(5, m.files().size());
  }

  @Test
  public void fixedBatchIsReadAndDefaultsToDynamic() throws Exception {
    assertFalse(tiny().vision.fixedBatch); // the fixture predates the field
    String vulkan =
        TestFiles.resource("tiny_manifest.json")
            .replaceFirst("\"max_batch\": 5", "\"max_batch\": 5, \"fixed_batch\": true");
    assertTrue(Manifest.parse(vulkan, "m").vision.fixedBatch);
  }

  @Test
  public void textOnlyManifestHasNoVision() throws Exception {
    String text =
        TestFiles.resource("tiny_manifest.json")
            .replaceFirst("\"vision\": \\{", "\"vision\": null, \"unused_vision\": {");
    Manifest m = Manifest.parse(text, "m");
    assertNull(m.vision);
    assertFalse(m.multimodal());
  }

  @Test
  public void refusesOtherFormatsAndVersionsWithOneLine() throws Exception {
    String good = TestFiles.resource("tiny_manifest.json");
    ArtifactException version =
        assertThrows(
            ArtifactException.class,
            () -> Manifest.parse(good.replace("\"format_version\": 1", "\"format_version\": 2"), "m"));
    assertTrue(version.getMessage(), version.getMessage().startsWith("m: format version 2"));
    ArtifactException format =
        assertThrows(
            ArtifactException.class,
            () -> Manifest.parse(good.replace("bluev-artifacts", "other"), "m"));
    assertTrue(format.getMessage().contains("not a bluev manifest"));
    ArtifactException json =
        assertThrows(ArtifactException.class, () -> Manifest.parse("{", "m"));
    assertTrue(json.getMessage().contains("unreadable JSON"));
    ArtifactException field =
        assertThrows(
            ArtifactException.class,
            () -> Manifest.parse(good.replace("\"chunk_size\"", "\"chunk\""), "m"));
    assertEquals("m: chunk_size: missing", field.getMessage());
    for (ArtifactException ex : List.of(version, format, json, field)) {
      assertFalse(ex.getMessage().contains("\n"));
    }
  }

  @Test
  public void visionOnlySetsAreRefusedWithWhatToDo() throws Exception {
    String vision =
        TestFiles.resource("tiny_manifest.json").replaceFirst("\"llm\": \\{\n    \"vocab_size\"", "\"llm\": null, \"was\": {\"vocab_size\"");
    ArtifactException ex = assertThrows(ArtifactException.class, () -> Manifest.parse(vision, "m"));
    assertEquals(
        "m: vision-only artifacts (exported with --components vision) have no LLM; export without"
            + " --components to answer prompts",
        ex.getMessage());
  }
}
