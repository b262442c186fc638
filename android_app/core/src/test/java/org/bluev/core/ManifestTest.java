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
  private static final String VERSION = "\"format_version\": " + Manifest.FORMAT_VERSION;

  private static Manifest tiny() throws Exception {
    return Manifest.parse(TestFiles.manifest("tiny-xnnpack"), "tiny/manifest.json");
  }

  @Test
  public void readsTheTinyManifest() throws Exception {
    Manifest m = tiny();
    assertEquals("tiny", m.preset);
    assertEquals(
        List.of("vision_encoder", "projector", "llm", "speech_encoder", "speech_decoder"),
        List.copyOf(m.components.keySet()));
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
    assertEquals(1, m.vision.maxBatch); // XNNPACK's default: one tile a call
    assertEquals(0.5f, m.vision.mean[0], 0f);
    assertTrue(m.vision.thumbnailFirst);
    assertEquals("MultimodalRunner", m.stockRunner.runner);
    assertTrue(m.stockRunner.takesImage);
    assertEquals(384, m.stockRunner.imageSize);
    assertEquals("tokenizer.json", m.tokenizerFile);
    // 5 programs, llm.ptd, the stock bundle, the tokenizer, the speech tokenizer and the mel filter bank
    assertEquals(10, m.files().size());
  }

  @Test
  public void readsTheSpeechSection() throws Exception {
    Manifest m = tiny();
    assertTrue(m.hasSpeech());
    Manifest.Speech s = m.speech;
    assertEquals("speech_encoder", s.encoder);
    assertEquals("cross_attention", s.crossAttentionMethod);
    assertEquals(16000, s.samplingRate);
    assertEquals(400, s.nFft);
    assertEquals(160, s.hopLength);
    assertEquals(80, s.nMels);
    assertEquals(3000, s.frames);
    assertEquals(480000, s.nSamples);
    assertEquals("mel_filters.bin", s.filtersFile);
    assertEquals("speech_tokenizer.json", s.tokenizerFile);
    assertEquals(1, s.languageIndex);
    assertTrue(s.languageIds.containsKey("<|en|>"));
    assertEquals(448, s.maxLength);
    assertEquals(s.promptIds[0], s.promptIds[s.languageIndex]); // the placeholder detection replaces
    List<String> roles = new java.util.ArrayList<>();
    for (String[] f : m.files()) {
      roles.add(f[0]);
    }
    assertEquals(List.of("speech_tokenizer", "mel_filters"), roles.subList(roles.size() - 2, roles.size()));
    assertFalse(Manifest.parse(TestFiles.manifest("smollm2"), "smollm2").hasSpeech());
  }

  @Test
  public void aProgramsDataFileIsNamedWithItsHash() throws Exception {
    Manifest m = tiny(); // tied table: stored once, in llm.ptd
    assertEquals("llm.ptd", m.components.get("llm").dataFile);
    assertNull(m.components.get("vision_encoder").dataFile);
    String[] data =
        m.files().stream().filter(f -> f[0].equals("llm data")).findFirst().orElseThrow();
    assertEquals("llm.ptd", data[1]);
    assertEquals(64, data[2].length());
    String escaping = TestFiles.manifest("tiny-xnnpack").replace("\"file\": \"llm.ptd\"", "\"file\": \"../llm.ptd\"");
    ArtifactException ex = assertThrows(ArtifactException.class, () -> Manifest.parse(escaping, "m"));
    assertTrue(ex.getMessage(), ex.getMessage().contains("llm.data file '../llm.ptd' is outside"));
  }

  @Test
  public void fixedBatchIsReadFromTheManifest() throws Exception {
    assertFalse(tiny().vision.fixedBatch); // XNNPACK: up to max_batch tiles a call
    Manifest vulkan = Manifest.parse(TestFiles.manifest("tiny-vulkan"), "tiny-vulkan");
    assertTrue(vulkan.vision.fixedBatch); // Vulkan: exactly max_batch, the runner pads
    assertEquals(vulkan.vision.maxBatch, 5);
  }

  @Test
  public void readsEveryGeneratedManifestKind() throws Exception {
    List<String> kinds = TestFiles.manifestKinds();
    assertTrue(kinds.toString(), kinds.containsAll(List.of("tiny-xnnpack", "tiny-vulkan", "tiny-mediatek")));
    for (String kind : kinds) {
      String text = TestFiles.manifest(kind);
      if (kind.endsWith("vision-only")) {
        ArtifactException ex = assertThrows(ArtifactException.class, () -> Manifest.parse(text, kind));
        assertTrue(ex.getMessage(), ex.getMessage().contains("vision-only artifacts"));
        continue;
      }
      Manifest m = Manifest.parse(text, kind);
      assertTrue(kind, m.components.containsKey("llm"));
      long dataFiles = m.components.values().stream().filter(c -> c.dataFile != null).count();
      assertEquals(kind, m.components.size() + dataFiles + 1 + (m.stockRunner != null ? 1 : 0)
          + (m.npuEmbedding != null ? 1 : 0) + (m.speech != null ? 2 : 0), m.files().size());
      assertEquals(kind, m.vision != null, m.multimodal());
      // the NPU's static layout (MediaTek, or lowered to XNNPACK for bluev-runner) carries its
      // token table beside the programs instead of an embed method
      boolean staticLayout = m.npuEmbedding != null;
      assertEquals(kind, staticLayout ? "static" : "dynamic", m.llm.layout);
      assertEquals(kind, staticLayout, m.llm.embedMethod == null);
      assertTrue(kind, staticLayout || !m.llmBackend().equals("mediatek"));
      if (m.vision != null) {
        assertEquals(kind, m.vision.tiler.tokensPerTile, m.vision.tokensPerTile);
        assertFalse(kind, m.vision.tiler.candidateGrids().isEmpty());
      }
    }
  }

  @Test
  public void refusesPathsThatLeaveTheArtifactDirectory() throws Exception {
    String good = TestFiles.manifest("tiny-xnnpack");
    for (String bad : List.of("../llm.pte", "/etc/passwd", "a/../../llm.pte", "")) {
      ArtifactException ex =
          assertThrows(
              ArtifactException.class,
              () -> Manifest.parse(good.replace("\"file\": \"llm.pte\"", "\"file\": \"" + bad + "\""), "m"));
      assertTrue(ex.getMessage(), ex.getMessage().contains("outside the artifact directory"));
    }
  }

  @Test
  public void textOnlyManifestHasNoVision() throws Exception {
    String text =
        TestFiles.manifest("tiny-xnnpack")
            .replaceFirst("\"vision\": \\{", "\"vision\": null, \"unused_vision\": {")
            .replaceFirst("\"layout\": \\{", "\"layout\": null, \"unused_layout\": {");
    Manifest m = Manifest.parse(text, "m");
    assertNull(m.vision);
    assertFalse(m.multimodal());
  }

  /** Format 3 names every multimodal set's layout: no set is read as bluev's layout by default. */
  @Test
  public void aVisionSectionWithoutItsLayoutIsRefused() throws Exception {
    String text =
        TestFiles.manifest("tiny-xnnpack").replaceFirst("\"layout\": \\{", "\"layout\": null, \"unused_layout\": {");
    ArtifactException ex = assertThrows(ArtifactException.class, () -> Manifest.parse(text, "m"));
    assertTrue(ex.getMessage(), ex.getMessage().contains("layout: missing beside the vision section"));
  }

  @Test
  public void refusesOtherFormatsAndVersionsWithOneLine() throws Exception {
    String good = TestFiles.manifest("tiny-xnnpack");
    ArtifactException version =
        assertThrows(
            ArtifactException.class,
            () -> Manifest.parse(good.replace(VERSION, "\"format_version\": 99"), "m"));
    String reads = "m: format version 99, this app reads " + Manifest.FORMAT_VERSION;
    assertTrue(version.getMessage(), version.getMessage().startsWith(reads));
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
        TestFiles.manifest("tiny-xnnpack").replaceFirst("\"llm\": \\{\n    \"vocab_size\"", "\"llm\": null, \"was\": {\"vocab_size\"");
    ArtifactException ex = assertThrows(ArtifactException.class, () -> Manifest.parse(vision, "m"));
    assertEquals(
        "m: vision-only artifacts (exported with --components vision) have no LLM; export without"
            + " --components to answer prompts",
        ex.getMessage());
  }
}
