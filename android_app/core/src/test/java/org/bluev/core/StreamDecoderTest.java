package org.bluev.core;

import static org.junit.Assert.assertEquals;

import java.util.List;
import org.junit.Test;

public class StreamDecoderTest {
  @Test
  public void holdsBackIncompleteCharactersAndLosesNothing() throws Exception {
    BpeTokenizer tok = BpeTokenizer.fromJson(TestFiles.resource("bpe_tokenizer.json"));
    String text = "emoji 🙂 and 東京.";
    List<Integer> ids = tok.encode(text);
    StreamDecoder stream = new StreamDecoder(tok);
    StringBuilder shown = new StringBuilder();
    int held = 0;
    for (int id : ids) {
      String piece = stream.push(id);
      if (piece.isEmpty()) {
        held++;
      }
      assertEquals(-1, piece.indexOf('\uFFFD'));
      shown.append(piece);
    }
    assertEquals(text, shown.toString());
    assertEquals(text, stream.text());
    assertEquals(ids, stream.ids());
    // The emoji (4 bytes) and the two CJK characters (3 bytes each) are not single tokens in
    // this small vocabulary, so some pushes must have been held back.
    assertEquals(true, held > 0);
  }
}
