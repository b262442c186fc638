package org.bluev.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.Test;

/**
 * The Java tokenizer gives the ids and text Hugging Face's `tokenizers` gives for the same
 * tokenizer.json (fixture and answers written by android_app/tools/make_tokenizer_fixture.py).
 */
public class BpeTokenizerTest {
  @Test
  public void encodeAndDecodeMatchHuggingFaceTokenizers() throws Exception {
    checkVectors("bpe");
  }

  /** Qwen2's kind (LLaVA-OneVision, InternVL): NFC, then Qwen2's Split pattern, then ByteLevel. */
  @Test
  public void qwen2KindMatchesHuggingFaceTokenizers() throws Exception {
    checkVectors("qwen2");
  }

  private static void checkVectors(String name) throws Exception {
    BpeTokenizer tok = BpeTokenizer.fromJson(TestFiles.resource(name + "_tokenizer.json"));
    Map<String, Object> root = Fields.asObject(Json.parse(TestFiles.resource(name + "_vectors.json")), "v");
    List<Object> cases = Fields.list(root, "cases");
    assertTrue(cases.size() >= 10);
    for (Object c : cases) {
      Map<String, Object> vec = Fields.asObject(c, "case");
      String text = Fields.string(vec, "text");
      List<Integer> want = new ArrayList<>();
      for (long id : Fields.integers(vec, "ids")) {
        want.add((int) id);
      }
      assertEquals("ids of " + text, want, tok.encode(text));
      assertEquals("text of " + text, Fields.string(vec, "decoded"), tok.decode(want));
    }
  }

  @Test
  public void specialTokensAreOneIdAndLeftOutWhenDecoding() throws Exception {
    BpeTokenizer tok = BpeTokenizer.fromJson(TestFiles.resource("bpe_tokenizer.json"));
    assertEquals(List.of(1, 2, 0), tok.encode("<|im_start|><|im_end|><|endoftext|>"));
    assertEquals("", tok.decode(List.of(1, 2, 0)));
  }

  @Test
  public void otherTokenizerKindsAreRefused() throws Exception {
    String json = TestFiles.resource("bpe_tokenizer.json");
    assertThrows(
        JsonException.class,
        () -> BpeTokenizer.fromJson(json.replace("\"type\":\"BPE\"", "\"type\":\"WordPiece\"")));
    assertThrows(
        JsonException.class,
        () -> BpeTokenizer.fromJson(json.replace("\"normalizer\":null", "\"normalizer\":{\"type\":\"NFKC\"}")));
    String qwen2 = TestFiles.resource("qwen2_tokenizer.json");
    assertThrows( // a Split that drops its matches is not what the encoder implements
        JsonException.class,
        () -> BpeTokenizer.fromJson(qwen2.replace("\"behavior\":\"Isolated\"", "\"behavior\":\"Removed\"")));
    assertThrows(
        JsonException.class,
        () -> BpeTokenizer.fromJson(qwen2.replace("\"use_regex\":false", "\"use_regex\":true")));
  }
}
