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

  @Test
  public void planFromPositionsHasOneTextOrImagePartPerRun() {
    // A layout with tokens between its image runs (a row marker between two tiles' tokens).
    PromptPlan p = PromptPlan.of(12, List.of(3, 4, 5, 7, 8), 4, 64, 16);
    assertEquals("[text@0+3, image@3+3, text@6+1, image@7+2, text@9+3]", p.parts.toString());
    assertEquals(5, p.imageTokens);
    assertEquals(List.of(0, 4, 8), p.chunkStarts);
    assertEquals(
        "[text@0+3, image@3+2]", PromptPlan.of(5, List.of(3, 4), 4, 64, 16).parts.toString());
    assertEquals("[image@0+2]", PromptPlan.of(2, List.of(0, 1), 4, 64, 16).parts.toString());
    assertThrows(IllegalArgumentException.class, () -> PromptPlan.of(5, List.of(3, 2), 4, 64, 16));
    assertThrows(IllegalArgumentException.class, () -> PromptPlan.of(5, List.of(3, 3), 4, 64, 16));
    assertThrows(IllegalArgumentException.class, () -> PromptPlan.of(5, List.of(5), 4, 64, 16));
  }

  @Test
  public void bluevLayoutSplicesPlaceholdersAfterTheTemplatesPrefix() throws Exception {
    Manifest m = Manifest.parse(TestFiles.manifest("tiny-xnnpack"), "m");
    BpeTokenizer tok = BpeTokenizer.fromJson(TestFiles.resource("bpe_tokenizer.json"));
    Layout layout = Layouts.open(m, null);
    ImagePlan plan = layout.plan(900, 500);
    PromptIds turn = PromptIds.build(tok, m, layout, "Hi?", plan);
    String[] parts = m.chatTemplate.segments("Hi?", true);
    List<Integer> before = tok.encode(parts[0]);
    List<Integer> after = tok.encode(parts[1]);
    assertEquals(before.size() + 980 + after.size(), turn.ids.size());
    assertEquals(before, turn.ids.subList(0, before.size()));
    assertEquals(after, turn.ids.subList(before.size() + 980, turn.ids.size()));
    assertEquals(980, turn.imagePositions.size());
    assertEquals(before.size(), (int) turn.imagePositions.get(0));
    for (int i = 0; i < 980; i++) {
      assertEquals(PromptIds.SPLICE_ID, (int) turn.ids.get(before.size() + i));
    }
    PromptIds text = PromptIds.build(tok, m, null, "Hi?", null);
    assertEquals(tok.encode(m.chatTemplate.render("Hi?")), text.ids);
    assertEquals(List.of(), text.imagePositions);
  }

  @Test
  public void specialTokensOfATemplateProcessorAreAddedWhenTheManifestAsksForThem() throws Exception {
    String json = TestFiles.resource("bpe_tokenizer.json");
    BpeTokenizer plain = BpeTokenizer.fromJson(json);
    // A Llama-style post-processor: <|im_start|> (id 1) as BOS before the text, <|im_end|> after.
    String template =
        "{\"type\": \"TemplateProcessing\", \"single\": [{\"SpecialToken\": {\"id\": \"<|im_start|>\","
            + " \"type_id\": 0}}, {\"Sequence\": {\"id\": \"A\", \"type_id\": 0}}, {\"SpecialToken\":"
            + " {\"id\": \"<|im_end|>\", \"type_id\": 0}}], \"pair\": [], \"special_tokens\":"
            + " {\"<|im_start|>\": {\"id\": \"<|im_start|>\", \"ids\": [1], \"tokens\": [\"<|im_start|>\"]},"
            + " \"<|im_end|>\": {\"id\": \"<|im_end|>\", \"ids\": [2], \"tokens\": [\"<|im_end|>\"]}}}";
    BpeTokenizer llama =
        BpeTokenizer.fromJson(json.replace("\"post_processor\":null", "\"post_processor\":" + template));
    List<Integer> ids = plain.encode("What is in this picture?");
    assertEquals(ids, plain.encode("What is in this picture?", true));
    List<Integer> framed = llama.encode("What is in this picture?", true);
    assertEquals(Integer.valueOf(1), framed.get(0));
    assertEquals(ids, framed.subList(1, framed.size() - 1));
    assertEquals(Integer.valueOf(2), framed.get(framed.size() - 1));
    assertEquals(ids, llama.encode("What is in this picture?", false));
    BpeTokenizer bert =
        BpeTokenizer.fromJson(
            json.replace("\"post_processor\":null", "\"post_processor\":{\"type\":\"BertProcessing\"}"));
    IllegalArgumentException refused =
        assertThrows(IllegalArgumentException.class, () -> bert.encode("x", true));
    assertEquals(
        "tokenizer.json: post-processor BertProcessing is not supported (the manifest asks for the"
            + " tokenizer's special tokens)",
        refused.getMessage());
  }
}
