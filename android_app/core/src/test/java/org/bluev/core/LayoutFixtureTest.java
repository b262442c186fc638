package org.bluev.core;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.Test;

/**
 * A real LLaVA-OneVision artifact set (the parity test's tiny checkpoint exported by bluev, see
 * android_app/tools/make_layout_fixture.py): the Java core reads its layout, builds the prompt
 * ids the Python runtime builds (which the Python parity test proves equal to transformers'
 * processor) and packs image features as the runtime does.
 */
public class LayoutFixtureTest {
  private static final File DIR = TestFiles.layoutFixture();
  private static final File ARTIFACTS = new File(DIR, "artifacts");

  private static Map<String, Object> expect() throws Exception {
    return Fields.asObject(Json.parse(read(new File(DIR, "expect.json"))), "expect.json");
  }

  private static String read(File f) throws Exception {
    return new String(Files.readAllBytes(f.toPath()), StandardCharsets.UTF_8);
  }

  private static Manifest manifest() throws Exception {
    return Manifest.parse(read(new File(ARTIFACTS, Manifest.FILE_NAME)), "fixture manifest");
  }

  private static byte[] newline(Manifest m) throws Exception {
    return Files.readAllBytes(new File(ARTIFACTS, m.layout.anyres.newline.file).toPath());
  }

  @Test
  public void theManifestDescribesTheFamilysLayout() throws Exception {
    Manifest m = manifest();
    assertEquals("llava-anyres", m.layout.kind);
    assertEquals("llava_onevision", m.layout.family);
    assertEquals("family", m.layout.tiler);
    assertEquals("<image>", m.layout.prompt.imageToken);
    assertEquals("stretch", m.layout.processor.thumbnailResize);
    assertEquals("float64", m.layout.processor.rescaleDtype);
    assertTrue(m.chatTemplate.addSpecialTokens);
    assertEquals(9, m.layout.anyres.maxTiles);
    assertEquals(27, m.layout.anyres.featureSide);
    assertEquals(5, m.layout.anyres.pinpoints.size());
    Manifest.FileRef last = m.fileRefs().get(m.fileRefs().size() - 1);
    assertEquals("image_newline", last.role);
    assertEquals(4L * m.llm.dim, last.bytes);
    assertNotNull(Layouts.open(m, newline(m)));
    assertEquals(
        "the stock runner encodes one tile, not the llava_onevision layout (llava-anyres) the model"
            + " expects; use the components engine",
        Layouts.stockProblem(withStockImage(m)));
    IllegalArgumentException shortFile =
        assertThrows(IllegalArgumentException.class, () -> Layouts.open(m, new byte[8]));
    assertEquals(
        "image_newline.bin: 8 bytes, expected " + 4 * m.llm.dim + " (" + m.llm.dim + " float32)",
        shortFile.getMessage());
  }

  /** The fixture's manifest with a MultimodalRunner bundle, as a default export writes one. */
  private static Manifest withStockImage(Manifest m) throws Exception {
    Map<String, Object> root = Fields.asObject(Json.parse(read(new File(ARTIFACTS, "manifest.json"))), "m");
    String stock =
        "{\"file\": \"stock_runner.pte\", \"sha256\": \"" + "0".repeat(64) + "\", \"bytes\": 1,"
            + " \"runner\": \"MultimodalRunner\", \"image_input\": {\"shape\": [1, 3, 384, 384]}}";
    root.put("stock_runner", Json.parse(stock));
    return Manifest.parse(Json.write(root), "m");
  }

  @Test
  public void promptIdsAreThePythonRuntimes() throws Exception {
    Manifest m = manifest();
    Layout layout = Layouts.open(m, newline(m));
    BpeTokenizer tok = BpeTokenizer.fromJson(read(new File(ARTIFACTS, m.tokenizerFile)));
    List<Object> cases = Fields.list(expect(), "prompts");
    assertTrue(cases.size() >= 4);
    for (Object c : cases) {
      Map<String, Object> want = Fields.asObject(c, "prompt case");
      String prompt = Fields.string(want, "prompt");
      List<Object> size = want.get("image") == null ? null : Fields.list(want, "image");
      ImagePlan plan =
          size == null
              ? null
              : layout.plan((int) Fields.asInteger(size.get(0), "w"), (int) Fields.asInteger(size.get(1), "h"));
      String id = size + " " + prompt;
      if (want.containsKey("error")) {
        IllegalArgumentException ex =
            assertThrows(id, IllegalArgumentException.class, () -> PromptIds.build(tok, m, layout, prompt, plan));
        assertEquals(id, Fields.string(want, "error"), ex.getMessage());
        continue;
      }
      PromptIds turn = PromptIds.build(tok, m, size == null ? null : layout, prompt, plan);
      assertEquals(id, ints(Fields.integers(want, "ids")), turn.ids);
      assertEquals(id, ints(Fields.integers(want, "image_positions")), turn.imagePositions);
      PromptPlan p = PromptPlan.of(turn.ids.size(), turn.imagePositions, m.llm.chunkSize, m.llm.maxSeqLen, 8);
      if (plan != null) {
        // OneVision's run is one block of <image> tokens between the text before and after it.
        assertEquals(id, 3, p.parts.size());
        assertEquals(id, "image", p.parts.get(1).kind);
        assertEquals(id, plan.imageTokens(), p.parts.get(1).length);
      }
    }
  }

  @Test
  public void packedEmbeddingsAreThePythonRuntimes() throws Exception {
    Manifest m = manifest();
    float[] newline = Layouts.floats(newline(m), "newline", m.llm.dim);
    int dim = m.llm.dim;
    List<Object> cases = Fields.list(expect(), "packs");
    boolean shrunk = false;
    for (Object c : cases) {
      Map<String, Object> want = Fields.asObject(c, "pack case");
      List<Long> size = Fields.integers(want, "image");
      ImageLayout.Anyres spec = m.layout.anyres;
      if (want.get("max_tiles") != null) {
        spec = new ImageLayout.Anyres(spec.pinpoints, spec.featureSide, (int) Fields.integer(want, "max_tiles"), spec.newline);
      }
      AnyresLayout layout =
          new AnyresLayout(m.vision.tiler, spec, m.layout.processor.thumbnailResize, "<image>", newline);
      AnyresPlan plan = layout.plan(size.get(0).intValue(), size.get(1).intValue());
      String id = size + " max_tiles " + want.get("max_tiles");
      assertEquals(id, ints(Fields.integers(want, "packed")), List.of(plan.packed[0], plan.packed[1]));
      assertEquals(id, Fields.integer(want, "image_tokens"), plan.imageTokens());
      boolean resized = plan.packed[0] != plan.unpadded[0] || plan.packed[1] != plan.unpadded[1];
      shrunk |= resized;
      float[] features = new float[plan.imagesToEncode() * plan.featureSide * plan.featureSide * dim];
      for (int i = 0; i < features.length; i++) {
        features[i] = (float) ((i * 7919L) % 2003) / 2003f - 0.5f;
      }
      float[] got = layout.pack(plan, features, dim);
      float[] expected =
          Layouts.floats(
              Files.readAllBytes(new File(DIR, Fields.string(want, "file")).toPath()), id, plan.imageTokens() * dim);
      if (resized) {
        // PyTorch's kernel may order the same bilinear products differently: last-bit differences.
        float worst = 0f;
        for (int i = 0; i < got.length; i++) {
          worst = Math.max(worst, Math.abs(got[i] - expected[i]));
        }
        System.out.println("layout fixture: " + id + " shrunk to " + plan.packed[0] + "x" + plan.packed[1]
            + ", max |java - python| = " + worst);
        assertArrayEquals(id, expected, got, 1e-6f);
      } else {
        assertArrayEquals(id, expected, got, 0f);
      }
    }
    assertTrue("no case exercises the anyres_max shrink", shrunk);
  }

  private static List<Integer> ints(List<Long> values) {
    List<Integer> out = new ArrayList<>();
    for (Long v : values) {
      out.add(v.intValue());
    }
    return out;
  }
}
