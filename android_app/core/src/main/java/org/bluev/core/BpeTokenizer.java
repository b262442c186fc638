package org.bluev.core;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The byte-level BPE tokenizer of a Hugging Face {@code tokenizer.json}, of GPT-2's kind (SmolLM2:
 * no normalizer, the ByteLevel pre-tokenizer with its regex) or of Qwen2's (LLaVA-OneVision,
 * InternVL: an NFC normalizer, a Split on the file's own pattern, then ByteLevel without its
 * regex); ByteLevel decoder and BPE model in both. So the app can feed the
 * per-component llm.pte with the same ids the host's {@code tokenizers} library produces
 * (runtime/text.py {@code TextCodec}: {@code add_special_tokens=False}, decoding with
 * {@code skip_special_tokens=True}). Other tokenizer types are refused when loading.
 */
public final class BpeTokenizer {
  /** GPT-2's pre-tokenizer split, as the ByteLevel pre-tokenizer applies it (use_regex). */
  private static final Pattern SPLIT =
      Pattern.compile(
          "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
          Pattern.UNICODE_CHARACTER_CLASS);

  private final Map<String, Integer> vocab;
  private final String[] idToToken;
  private final Map<String, Integer> mergeRanks;
  /** Added tokens matched verbatim before pre-tokenizing, longest first. */
  private final List<String> added;
  private final Set<Integer> specialIds;
  private final char[] byteToChar = new char[256];
  private final Map<Character, Integer> charToByte = new HashMap<>();
  private final Map<String, int[]> cache = new HashMap<>();
  /** The pre-tokenizer's split: GPT-2's for ByteLevel, the file's pattern for a Split step. */
  private Pattern split = SPLIT;
  /** Whether ordinary text is NFC-normalized first (Qwen2's normalizer). */
  private boolean nfc;
  /**
   * The ids the tokenizer's post-processor puts before and after one sequence when special tokens
   * are added (a TemplateProcessing "single" template; none for ByteLevel or no post-processor),
   * or null when its post-processor is of a kind this class does not implement.
   */
  private List<Integer> specialBefore = Collections.emptyList();
  private List<Integer> specialAfter = Collections.emptyList();
  private String postProcessor = "none";

  private BpeTokenizer(
      Map<String, Integer> vocab, Map<String, Integer> mergeRanks, Map<String, Integer> addedIds,
      Set<Integer> specialIds) {
    this.vocab = vocab;
    this.mergeRanks = mergeRanks;
    int size = 0;
    for (int id : vocab.values()) {
      size = Math.max(size, id + 1);
    }
    for (int id : addedIds.values()) {
      size = Math.max(size, id + 1);
    }
    idToToken = new String[size];
    for (Map.Entry<String, Integer> e : vocab.entrySet()) {
      idToToken[e.getValue()] = e.getKey();
    }
    for (Map.Entry<String, Integer> e : addedIds.entrySet()) {
      idToToken[e.getValue()] = e.getKey();
      this.vocab.put(e.getKey(), e.getValue());
    }
    List<String> sorted = new ArrayList<>(addedIds.keySet());
    sorted.sort((a, b) -> Integer.compare(b.length(), a.length()));
    this.added = Collections.unmodifiableList(sorted);
    this.specialIds = specialIds;
    buildByteMap();
  }

  /** Reads a tokenizer.json text; refuses the kinds this class does not implement. */
  public static BpeTokenizer fromJson(String text) {
    Map<String, Object> root = Fields.asObject(Json.parse(text), "tokenizer.json");
    Object normalizer = root.get("normalizer");
    boolean nfc = normalizer != null;
    if (nfc && !"NFC".equals(Fields.asObject(normalizer, "normalizer").get("type"))) {
      throw new JsonException("tokenizer.json: only the NFC normalizer (or none) is supported");
    }
    Pattern split = readPreTokenizer(Fields.object(root, "pre_tokenizer"));
    Map<String, Object> decoder = Fields.object(root, "decoder");
    if (!"ByteLevel".equals(decoder.get("type"))) {
      throw new JsonException("tokenizer.json: only the ByteLevel decoder is supported");
    }
    Map<String, Object> model = Fields.object(root, "model");
    if (!"BPE".equals(model.get("type"))
        || model.get("dropout") != null
        || Boolean.TRUE.equals(model.get("byte_fallback"))
        || !Fields.optString(model, "continuing_subword_prefix", "").isEmpty()
        || !Fields.optString(model, "end_of_word_suffix", "").isEmpty()) {
      throw new JsonException("tokenizer.json: only plain byte-level BPE models are supported");
    }
    Map<String, Integer> vocab = new HashMap<>();
    for (Map.Entry<String, Object> e : Fields.object(model, "vocab").entrySet()) {
      vocab.put(e.getKey(), (int) Fields.asInteger(e.getValue(), "vocab"));
    }
    Map<String, Integer> ranks = new HashMap<>();
    List<Object> merges = Fields.list(model, "merges");
    for (int i = 0; i < merges.size(); i++) {
      Object m = merges.get(i);
      String pair;
      if (m instanceof String) { // older files: "a b"
        pair = (String) m;
      } else if (m instanceof List && ((List<?>) m).size() == 2) { // newer files: ["a", "b"]
        pair = ((List<?>) m).get(0) + " " + ((List<?>) m).get(1);
      } else {
        throw new JsonException("tokenizer.json: bad merge at " + i);
      }
      ranks.putIfAbsent(pair, i);
    }
    Map<String, Integer> addedIds = new LinkedHashMap<>();
    Set<Integer> special = new HashSet<>();
    for (Object a : Fields.list(root, "added_tokens")) {
      Map<String, Object> tok = Fields.asObject(a, "added_tokens[]");
      int id = (int) Fields.integer(tok, "id");
      addedIds.put(Fields.string(tok, "content"), id);
      if (Fields.bool(tok, "special")) {
        special.add(id);
      }
    }
    BpeTokenizer tok = new BpeTokenizer(vocab, ranks, addedIds, special);
    tok.readPostProcessor(Fields.optObject(root, "post_processor"));
    tok.split = split;
    tok.nfc = nfc;
    return tok;
  }

  /**
   * ByteLevel with its regex (GPT-2's split), or a Split on a pattern (matches and the text between
   * them isolated) followed by ByteLevel without its regex; no prefix space in either.
   */
  private static Pattern readPreTokenizer(Map<String, Object> pre) {
    String refusal = "tokenizer.json: only the ByteLevel pre-tokenizer (with its regex, or after an"
        + " isolating Split) and no prefix space is supported";
    if ("ByteLevel".equals(pre.get("type"))) {
      if (Boolean.TRUE.equals(pre.get("add_prefix_space")) || Boolean.FALSE.equals(pre.get("use_regex"))) {
        throw new JsonException(refusal);
      }
      return SPLIT;
    }
    List<Object> steps = "Sequence".equals(pre.get("type")) ? Fields.list(pre, "pretokenizers") : null;
    if (steps == null || steps.size() != 2) {
      throw new JsonException(refusal);
    }
    Map<String, Object> first = Fields.asObject(steps.get(0), "pretokenizers[0]");
    Map<String, Object> second = Fields.asObject(steps.get(1), "pretokenizers[1]");
    Object pattern = first.get("pattern");
    if (!"Split".equals(first.get("type"))
        || !"Isolated".equals(first.get("behavior"))
        || Boolean.TRUE.equals(first.get("invert"))
        || !(pattern instanceof Map)
        || !"ByteLevel".equals(second.get("type"))
        || Boolean.TRUE.equals(second.get("add_prefix_space"))
        || !Boolean.FALSE.equals(second.get("use_regex"))) {
      throw new JsonException(refusal);
    }
    String regex = Fields.string(Fields.asObject(pattern, "pattern"), "Regex");
    try {
      return Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS);
    } catch (java.util.regex.PatternSyntaxException e) {
      throw new JsonException("tokenizer.json: the Split pattern does not compile: " + e.getDescription());
    }
  }

  private void readPostProcessor(Map<String, Object> post) {
    if (post == null || "ByteLevel".equals(post.get("type"))) {
      return; // adds no token
    }
    String type = Fields.optString(post, "type", "?");
    if (!type.equals("TemplateProcessing")) {
      specialBefore = null;
      postProcessor = type;
      return;
    }
    Map<String, Object> tokens = Fields.object(post, "special_tokens");
    List<Integer> before = new ArrayList<>();
    List<Integer> after = new ArrayList<>();
    boolean seenSequence = false;
    for (Object piece : Fields.list(post, "single")) {
      Map<String, Object> p = Fields.asObject(piece, "post_processor.single[]");
      if (p.containsKey("Sequence")) {
        seenSequence = true;
        continue;
      }
      String name = Fields.string(Fields.object(p, "SpecialToken"), "id");
      for (Long id : Fields.integers(Fields.object(tokens, name), "ids")) {
        (seenSequence ? after : before).add(id.intValue());
      }
    }
    specialBefore = before;
    specialAfter = after;
  }

  public int vocabSize() {
    return idToToken.length;
  }

  /**
   * Token ids of {@code text}; with {@code addSpecialTokens} the tokenizer's post-processor adds
   * its own tokens around them (a BOS), as {@code tokenizers}' {@code encode(text,
   * add_special_tokens=True)} does.
   */
  public List<Integer> encode(String text, boolean addSpecialTokens) {
    if (!addSpecialTokens) {
      return encode(text);
    }
    if (specialBefore == null) {
      throw new IllegalArgumentException(
          "tokenizer.json: post-processor " + postProcessor + " is not supported (the manifest asks"
              + " for the tokenizer's special tokens)");
    }
    List<Integer> ids = new ArrayList<>(specialBefore);
    ids.addAll(encode(text));
    ids.addAll(specialAfter);
    return ids;
  }

  /** Token ids of {@code text}, without adding any special token (the template holds them). */
  public List<Integer> encode(String text) {
    List<Integer> ids = new ArrayList<>();
    int start = 0;
    int pos = 0;
    while (pos < text.length()) {
      String hit = addedAt(text, pos);
      if (hit == null) {
        pos++;
        continue;
      }
      encodeOrdinary(text.substring(start, pos), ids);
      ids.add(vocab.get(hit));
      pos += hit.length();
      start = pos;
    }
    encodeOrdinary(text.substring(start), ids);
    return ids;
  }

  /** Text of {@code ids}, special tokens left out; broken UTF-8 becomes U+FFFD as on the host. */
  public String decode(List<Integer> ids) {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    for (int id : ids) {
      if (specialIds.contains(id) || id < 0 || id >= idToToken.length || idToToken[id] == null) {
        continue;
      }
      String token = idToToken[id];
      for (int i = 0; i < token.length(); i++) {
        Integer b = charToByte.get(token.charAt(i));
        if (b != null) {
          bytes.write(b);
        } else { // an added non-special token is plain text, not byte-mapped
          byte[] raw = String.valueOf(token.charAt(i)).getBytes(StandardCharsets.UTF_8);
          bytes.write(raw, 0, raw.length);
        }
      }
    }
    return new String(bytes.toByteArray(), StandardCharsets.UTF_8);
  }

  private String addedAt(String text, int pos) {
    for (String a : added) {
      if (text.startsWith(a, pos)) {
        return a;
      }
    }
    return null;
  }

  private void encodeOrdinary(String text, List<Integer> out) {
    if (text.isEmpty()) {
      return;
    }
    if (nfc) {
      text = Normalizer.normalize(text, Normalizer.Form.NFC);
    }
    Matcher m = split.matcher(text);
    int end = 0;
    while (m.find()) {
      if (m.start() > end) { // text between two matches is a piece of its own (Isolated)
        encodePiece(text.substring(end, m.start()), out);
      }
      encodePiece(m.group(), out);
      end = m.end();
    }
    if (end < text.length()) {
      encodePiece(text.substring(end), out);
    }
  }

  private void encodePiece(String piece, List<Integer> out) {
    int[] word = cache.get(piece);
    if (word == null) {
      word = bpe(toByteChars(piece));
      cache.put(piece, word);
    }
    for (int id : word) {
      out.add(id);
    }
  }

  private String toByteChars(String piece) {
    byte[] utf8 = piece.getBytes(StandardCharsets.UTF_8);
    StringBuilder sb = new StringBuilder(utf8.length);
    for (byte b : utf8) {
      sb.append(byteToChar[b & 0xff]);
    }
    return sb.toString();
  }

  /** Merges the lowest-ranked adjacent pair until none is in the merge table. */
  private int[] bpe(String word) {
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < word.length(); i++) {
      parts.add(String.valueOf(word.charAt(i)));
    }
    while (parts.size() > 1) {
      int best = -1;
      int bestRank = Integer.MAX_VALUE;
      for (int i = 0; i + 1 < parts.size(); i++) {
        Integer rank = mergeRanks.get(parts.get(i) + " " + parts.get(i + 1));
        if (rank != null && rank < bestRank) {
          bestRank = rank;
          best = i;
        }
      }
      if (best < 0) {
        break;
      }
      // Merge every occurrence of the best pair, left to right, as HF's word merge does.
      String left = parts.get(best);
      String right = parts.get(best + 1);
      List<String> merged = new ArrayList<>(parts.size());
      for (int i = 0; i < parts.size(); i++) {
        if (i + 1 < parts.size() && parts.get(i).equals(left) && parts.get(i + 1).equals(right)) {
          merged.add(left + right);
          i++;
        } else {
          merged.add(parts.get(i));
        }
      }
      parts = merged;
    }
    int[] ids = new int[parts.size()];
    for (int i = 0; i < ids.length; i++) {
      Integer id = vocab.get(parts.get(i));
      if (id == null) {
        throw new IllegalStateException("token '" + parts.get(i) + "' is not in the vocabulary");
      }
      ids[i] = id;
    }
    return ids;
  }

  /** GPT-2's reversible byte -> printable character table. */
  private void buildByteMap() {
    int n = 0;
    for (int b = 0; b < 256; b++) {
      boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      char c = printable ? (char) b : (char) (256 + n++);
      byteToChar[b] = c;
      charToByte.put(c, b);
    }
  }
}
