package org.bluev.core;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.Test;

/** Chat template and image splicing, as runtime/text.py and runtime/pipeline.py build prompts. */
public class PromptTest {
  @Test
  public void segmentsSplitWhereTheImageGoes() throws Exception {
    Manifest m = Manifest.parse(TestFiles.manifest("tiny-xnnpack"), "m");
    ChatTemplate t = m.chatTemplate;
    String prefix =
        "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging"
            + " Face<|im_end|>\n<|im_start|>user\n";
    String suffix = "<|im_end|>\n<|im_start|>assistant\n";
    assertArrayEquals(new String[] {prefix, "Hi?" + suffix}, t.segments("Hi?", true));
    assertArrayEquals(new String[] {prefix + "Hi?" + suffix, ""}, t.segments("Hi?", false));
  }

  @Test
  public void renderedTurnEqualsTheExamplePromptExportWrote() throws Exception {
    // export rendered stock_runner.example_prompt from the model's own template in Python.
    String text = TestFiles.manifest("tiny-xnnpack");
    Manifest m = Manifest.parse(text, "m");
    Map<String, Object> stock =
        Fields.object(Fields.asObject(Json.parse(text), "root"), "stock_runner");
    assertEquals(
        Fields.string(stock, "example_prompt"), m.chatTemplate.render("What is in this picture?"));
  }

  @Test
  public void imageTemplateOtherThanBeforePromptIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new ChatTemplate("a", "b", "after_prompt"));
  }

  @Test
  public void planSplicesImageBetweenPrefixAndPromptAndChunksPrefill() {
    PromptPlan p = PromptPlan.of(30, 980, 12, 128, 2048, 128);
    assertEquals("[text@0+30, image@30+980, text@1010+12]", p.parts.toString());
    assertEquals(1022, p.promptTokens);
    assertEquals(List.of(0, 128, 256, 384, 512, 640, 768, 896), p.chunkStarts);
    assertEquals(126, p.chunkLength(7));
    assertEquals(128, p.chunkLength(0));
    assertEquals(128, p.budget);
    assertEquals("max_new_tokens", p.stopWithoutEos);
  }

  @Test
  public void textOnlyPlanHasOnePart() {
    PromptPlan p = PromptPlan.of(40, 0, 0, 128, 2048, 64);
    assertEquals("[text@0+40]", p.parts.toString());
    assertEquals(List.of(0), p.chunkStarts);
    assertEquals(40, p.chunkLength(0));
  }

  @Test
  public void budgetStopsAtTheContextLikeTheHost() {
    PromptPlan p = PromptPlan.of(10, 1960, 30, 128, 2048, 128);
    assertEquals(48, p.budget);
    assertEquals("context_full", p.stopWithoutEos);
    IllegalArgumentException over =
        assertThrows(IllegalArgumentException.class, () -> PromptPlan.of(10, 2008, 30, 128, 2048, 1));
    assertEquals(
        "prompt: 2048 tokens (2008 of them image) is over the context of 2048", over.getMessage());
    assertThrows(IllegalArgumentException.class, () -> PromptPlan.of(0, 0, 0, 128, 2048, 1));
  }
}
