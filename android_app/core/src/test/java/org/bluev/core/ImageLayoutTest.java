package org.bluev.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.Map;
import org.junit.Test;

/**
 * The manifest's {@code layout} section (runtime/manifest.py ImageLayout) as the Java reader
 * takes it: every kind's section, the refusals, and the format-2 manifests written before it.
 * The LLaVA section of a real export is read in LayoutFixtureTest.
 */
public class ImageLayoutTest {
  private static final String PROCESSOR =
      "\"processor\": {\"resample\": \"bicubic\", \"rescale_factor\": 0.00392156862745098,"
          + " \"rescale_dtype\": \"float32\", \"thumbnail_resize\": \"fit-pad\", \"thumbnail_always\":"
          + " false, \"jpeg_draft\": true}";

  /** The tiny sample with {@code layout} set to {@code section} (JSON text, or null). */
  private static Manifest tinyWith(String section) throws Exception {
    Map<String, Object> root = Fields.asObject(Json.parse(TestFiles.manifest("tiny-xnnpack")), "m");
    root.put("layout", section == null ? null : Json.parse(section));
    return Manifest.parse(Json.write(root), "m");
  }

  private static String layout(String kind, String prompt, String sections) {
    return "{\"kind\": \"" + kind + "\", \"family\": \"f\", \"tiler\": \"family\", " + PROCESSOR
        + ", \"prompt\": " + prompt + ", " + sections + "}";
  }

  private static final String OWN_PROMPT =
      "{\"before_image\": \"<|im_start|>user\\n\", \"after_image\": \"\", \"image_token\": null,"
          + " \"image_token_id\": null}";
  private static final String TOKEN_PROMPT =
      "{\"before_image\": \"<|im_start|>user\\n\", \"after_image\": \"\\n\", \"image_token\":"
          + " \"<image>\", \"image_token_id\": 3}";
  private static final String NO_SECTIONS = "\"anyres\": null, \"idefics3\": null, \"internvl\": null";

  @Test
  public void aManifestWrittenBeforeTheSectionIsBluevsOwnLayout() throws Exception {
    Manifest m = Manifest.parse(TestFiles.manifest("tiny-xnnpack"), "m");
    assertEquals("bluelm-v", m.layout.kind);
    assertEquals("bluelm-v", m.layout.family);
    assertEquals(m.chatTemplate.prefix, m.layout.prompt.beforeImage);
    assertEquals("", m.layout.prompt.afterImage);
    assertNull(m.layout.prompt.imageToken);
    assertFalse(m.chatTemplate.addSpecialTokens);
    assertTrue(Layouts.open(m, null) instanceof BlueLmVLayout);
    assertNull(Layouts.stockProblem(m)); // bluev's layout on one tile is what the stock runner does
    assertNull(Manifest.parse(TestFiles.manifest("smollm2"), "m").layout);
  }

  @Test
  public void readsBluevsOwnSection() throws Exception {
    Manifest m = tinyWith(layout("bluelm-v", OWN_PROMPT, NO_SECTIONS));
    assertEquals("bluelm-v", m.layout.kind);
    assertEquals("bicubic", m.layout.processor.resample);
    assertEquals(1.0 / 255.0, m.layout.processor.rescaleFactor, 0.0);
    assertTrue(m.layout.processor.jpegDraft);
    assertEquals("<|im_start|>user\n", m.layout.prompt.beforeImage);
    assertEquals(-1, m.layout.prompt.imageTokenId);
    assertEquals(980, Layouts.open(m, null).plan(900, 500).imageTokens());
  }

  @Test
  public void readsTheSmolVlmAndInternVlSections() throws Exception {
    String split =
        "\"anyres\": null, \"idefics3\": {\"longest_edge\": 1536, \"max_side\": 4096, \"splitting\":"
            + " true, \"fake_token\": \"<fake_token_around_image>\", \"global_token\": \"<global-img>\","
            + " \"tile_token\": \"<row_{row}_col_{col}>\"}, \"internvl\": null";
    Manifest smol = tinyWith(layout("idefics3", TOKEN_PROMPT, split));
    assertEquals(1536, smol.layout.idefics3.longestEdge);
    assertEquals("<row_2_col_3>", smol.layout.idefics3.tileToken(2, 3));
    Layout idefics = Layouts.open(smol, null);
    ImagePlan plan = idefics.plan(900, 500);
    // 900x500 -> longest edge 1536 x 854 -> whole 384 px tiles: 1536 x 1152, 4 x 3 tiles + global
    assertEquals(13, plan.imagesToEncode());
    assertEquals(13 * 196, plan.imageTokens());
    String run = idefics.imageText(plan);
    assertTrue(run.startsWith("<fake_token_around_image><row_1_col_1><image>"));
    assertTrue(run.endsWith("<image>\n\n<fake_token_around_image><global-img>" + "<image>".repeat(196)
        + "<fake_token_around_image>"));
    assertEquals(13 * 196, (run.length() - run.replace("<image>", "").length()) / "<image>".length());
    assertEquals(
        "the stock runner encodes one tile, not the f layout (idefics3) the model expects; use the"
            + " components engine",
        Layouts.stockProblem(smol));

    String wrap = "\"anyres\": null, \"idefics3\": null, \"internvl\": {\"start_token\": \"<img>\","
        + " \"end_token\": \"</img>\"}";
    Layout intern = Layouts.open(tinyWith(layout("internvl", TOKEN_PROMPT, wrap)), null);
    ImagePlan p = intern.plan(900, 500);
    assertEquals("thumbnail", p.encoderOrder.get(p.encoderOrder.size() - 1));
    assertEquals("<img>" + "<image>".repeat(p.imageTokens()) + "</img>", intern.imageText(p));
  }

  @Test
  public void refusesWhatItCannotServeWithOneLine() throws Exception {
    ArtifactException unknown =
        assertThrows(ArtifactException.class, () -> tinyWith(layout("qwen2-vl", TOKEN_PROMPT, NO_SECTIONS)));
    assertEquals(
        "m: unknown layout kind 'qwen2-vl': this app reads bluelm-v, llava-anyres, idefics3, internvl;"
            + " update the app to run this family",
        unknown.getMessage());
    ArtifactException missing =
        assertThrows(ArtifactException.class, () -> tinyWith(layout("llava-anyres", TOKEN_PROMPT, NO_SECTIONS)));
    assertEquals("m: layout.kind 'llava-anyres': anyres is missing", missing.getMessage());
    String wrap = "\"anyres\": null, \"idefics3\": null, \"internvl\": {\"start_token\": \"<img>\","
        + " \"end_token\": \"</img>\"}";
    ArtifactException extra =
        assertThrows(ArtifactException.class, () -> tinyWith(layout("bluelm-v", OWN_PROMPT, wrap)));
    assertEquals("m: layout.kind 'bluelm-v': internvl is extra", extra.getMessage());
    ArtifactException token =
        assertThrows(ArtifactException.class, () -> tinyWith(layout("internvl", OWN_PROMPT, wrap)));
    assertEquals("m: layout.kind 'internvl': the prompt has no image_token", token.getMessage());
    ArtifactException filter =
        assertThrows(
            ArtifactException.class,
            () -> tinyWith(layout("bluelm-v", OWN_PROMPT, NO_SECTIONS).replace("bicubic", "cubic")));
    assertEquals(
        "m: layout.processor.resample 'cubic': expected one of nearest, lanczos, bilinear, bicubic,"
            + " box, hamming",
        filter.getMessage());
  }
}
