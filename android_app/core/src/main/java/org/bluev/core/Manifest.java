package org.bluev.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of manifest.json (runtime/manifest.py, docs/manifest.schema.json) the app needs. The manifest is the
 * only description of a model the app reads; anything it does not understand is refused here
 * with a one-line reason rather than failing later inside ExecuTorch.
 */
public final class Manifest {
  public static final String FORMAT = "bluev-artifacts";
  public static final long FORMAT_VERSION = 4;
  public static final String FILE_NAME = "manifest.json";

  /** One .pte program: file name, hash and the method names it exports. */
  public static final class Component {
    public final String name;
    public final String file;
    public final String sha256;
    public final String backend;
    public final List<String> methods;
    /**
     * The program's data file ({@code data}: a .ptd its weights are read from, ExecuTorch's
     * program-data separation), or null when the .pte holds everything.
     */
    public final String dataFile;

    Component(String name, Map<String, Object> obj) {
      this.name = name;
      this.file = fileName(obj, name);
      this.sha256 = Fields.string(obj, "sha256");
      Map<String, Object> data = Fields.optObject(obj, "data");
      this.dataFile = data == null ? null : fileName(data, name + ".data");
      this.backend = Fields.optString(obj, "backend", "");
      this.methods =
          Collections.unmodifiableList(
              Fields.has(obj, "methods")
                  ? new ArrayList<>(Fields.object(obj, "methods").keySet())
                  : new ArrayList<>());
    }
  }

  /** The LLM's shape and method names ({@code llm} in the manifest). */
  public static final class Llm {
    public final int vocabSize;
    public final int dim;
    public final int maxSeqLen;
    public final int chunkSize;
    /**
     * "dynamic" (XNNPACK/Vulkan: 1..chunk embeddings per call, KV cache in the program) or "static"
     * (NPU: fixed prefill and decode programs, caches as inputs; run by bluev-runner, not the app).
     */
    public final String layout;
    /** Null for NPU programs (manifest {@code "embed": null}): their runner embeds tokens itself. */
    public final String embedMethod;
    public final String prefillMethod;
    public final String decodeMethod;

    Llm(Map<String, Object> obj) {
      vocabSize = (int) Fields.integer(obj, "vocab_size");
      dim = (int) Fields.integer(obj, "dim");
      maxSeqLen = (int) Fields.integer(obj, "max_seq_len");
      chunkSize = (int) Fields.integer(obj, "chunk_size");
      layout = Fields.string(obj, "layout");
      Map<String, Object> methods = Fields.object(obj, "methods");
      embedMethod = Fields.optString(methods, "embed", null);
      prefillMethod = Fields.string(methods, "prefill");
      decodeMethod = Fields.string(methods, "decode");
    }

    /** Decode through prefill shares one loaded method, hence one KV cache (see pipeline.py). */
    public boolean decodeSharesPrefill() {
      return decodeMethod.equals(prefillMethod);
    }
  }

  /** How images become LLM tokens ({@code vision} in the manifest). */
  public static final class Vision {
    public final TilerConfig tiler;
    public final int imageSize;
    public final int tokensPerTile;
    public final int width;
    public final boolean thumbnailFirst;
    public final float[] mean;
    public final float[] std;
    public final int maxBatch;

    /**
     * The vision programs take exactly maxBatch tiles (Vulkan, NPU): the caller pads a short
     * batch with zero tiles and drops their outputs. Absent in manifests written before it.
     */
    public final boolean fixedBatch;

    Vision(Map<String, Object> obj) {
      tiler = TilerConfig.fromJson(Fields.object(obj, "tiler"));
      imageSize = (int) Fields.integer(obj, "image_size");
      tokensPerTile = tiler.tokensPerTile;
      width = (int) Fields.integer(obj, "width");
      thumbnailFirst = Fields.bool(obj, "thumbnail_first");
      Map<String, Object> norm = Fields.object(obj, "normalize");
      mean = floats(Fields.list(norm, "mean"), "vision.normalize.mean");
      std = floats(Fields.list(norm, "std"), "vision.normalize.std");
      maxBatch = (int) Fields.integer(obj, "max_batch");
      fixedBatch = Fields.has(obj, "fixed_batch") && Fields.bool(obj, "fixed_batch");
    }

    private static float[] floats(List<Object> values, String what) {
      if (values.size() != 3) {
        throw new JsonException(what + ": expected 3 numbers (R, G, B)");
      }
      float[] out = new float[3];
      for (int i = 0; i < 3; i++) {
        if (!(values.get(i) instanceof Number)) {
          throw new JsonException(what + ": expected numbers");
        }
        out[i] = ((Number) values.get(i)).floatValue();
      }
      return out;
    }
  }

  /** The bundle ExecuTorch's own runners (Android {@code LlmModule}) load. */
  public static final class StockRunner {
    public final String program;
    public final String runner;
    public final String tokenizer;
    public final String sha256;
    public final String backend;
    /** True when the bundle takes an image (MultimodalRunner), false for TextLLMRunner. */
    public final boolean takesImage;
    public final int imageSize;

    StockRunner(Map<String, Object> obj, String tokenizerFile) {
      program = fileName(obj, "stock_runner");
      runner = Fields.string(obj, "runner");
      tokenizer = tokenizerFile; // the artifact set's one tokenizer.json
      sha256 = Fields.string(obj, "sha256");
      backend = Fields.optString(obj, "backend", "");
      Map<String, Object> image = Fields.optObject(obj, "image_input");
      takesImage = image != null;
      if (image != null) {
        List<Long> shape = Fields.integers(image, "shape");
        if (shape.size() != 4 || shape.get(2).longValue() != shape.get(3).longValue()) {
          throw new JsonException("stock_runner.image_input.shape: expected [1, 3, S, S]");
        }
        imageSize = shape.get(3).intValue();
      } else {
        imageSize = 0;
      }
    }
  }

  /** One file the manifest names, with its role, size and sha256 (FileEntry in manifest.py). */
  public static final class FileRef {
    public final String role;
    public final String file;
    public final String sha256;
    public final long bytes;

    FileRef(String role, String file, Map<String, Object> obj) {
      this.role = role;
      this.file = file;
      this.sha256 = Fields.string(obj, "sha256");
      this.bytes = Fields.integer(obj, "bytes");
    }
  }

  /**
   * The speech-to-text component ({@code speech} in the manifest): its two programs, the log-mel
   * front end and the greedy decoding rules (runtime/speech.py does the same on the host).
   */
  public static final class Speech {
    public final String encoder;
    public final String decoder;
    public final String encodeMethod;
    public final String crossAttentionMethod;
    public final String decodeMethod;
    public final int samplingRate;
    public final int nFft;
    public final int hopLength;
    public final int nMels;
    public final int nSamples;
    public final int frames;
    public final double logFloor;
    public final double dynamicRange;
    public final double offset;
    public final double scale;
    public final String filtersFile;
    public final String tokenizerFile;
    public final long[] promptIds;
    /** -1: the prompt's language is fixed; else the slot the detected language goes into. */
    public final int languageIndex;
    public final Map<String, Long> languageIds;
    public final long eosId;
    public final long[] suppressIds;
    public final long[] beginSuppressIds;
    public final int maxLength;

    Speech(Map<String, Object> obj) {
      encoder = Fields.string(obj, "encoder");
      decoder = Fields.string(obj, "decoder");
      Map<String, Object> methods = Fields.object(obj, "methods");
      encodeMethod = Fields.string(methods, "encode");
      crossAttentionMethod = Fields.string(methods, "cross_attention");
      decodeMethod = Fields.string(methods, "decode");
      Map<String, Object> f = Fields.object(obj, "features");
      samplingRate = (int) Fields.integer(f, "sampling_rate");
      nFft = (int) Fields.integer(f, "n_fft");
      hopLength = (int) Fields.integer(f, "hop_length");
      nMels = (int) Fields.integer(f, "n_mels");
      nSamples = (int) Fields.integer(f, "n_samples");
      frames = (int) Fields.integer(f, "frames");
      logFloor = Fields.number(f, "log_floor");
      dynamicRange = Fields.number(f, "dynamic_range");
      offset = Fields.number(f, "offset");
      scale = Fields.number(f, "scale");
      filtersFile = fileName(Fields.object(f, "filters"), "speech.features.filters");
      tokenizerFile = fileName(Fields.object(obj, "tokenizer"), "speech.tokenizer");
      Map<String, Object> d = Fields.object(obj, "decoding");
      promptIds = longs(Fields.integers(d, "prompt_ids"));
      languageIndex = Fields.has(d, "language_index") ? (int) Fields.integer(d, "language_index") : -1;
      Map<String, Long> langs = new LinkedHashMap<>();
      for (Map.Entry<String, Object> e : Fields.object(d, "language_ids").entrySet()) {
        langs.put(e.getKey(), Fields.asInteger(e.getValue(), "speech.decoding.language_ids"));
      }
      languageIds = Collections.unmodifiableMap(langs);
      eosId = Fields.integer(d, "eos_id");
      suppressIds = longs(Fields.integers(d, "suppress_ids"));
      beginSuppressIds = longs(Fields.integers(d, "begin_suppress_ids"));
      maxLength = (int) Fields.integer(d, "max_length");
    }

    /** The front end with this set's parameters and its filter bank (mel_filters.bin's floats). */
    public LogMel logMel(float[] filters) {
      return new LogMel(
          nFft, hopLength, nMels, nSamples, frames, logFloor, dynamicRange, offset, scale, filters);
    }

    private static long[] longs(List<Long> values) {
      long[] out = new long[values.size()];
      for (int i = 0; i < out.length; i++) {
        out[i] = values.get(i);
      }
      return out;
    }
  }

  /** The raw float32 token table NPU sets carry (manifest {@code npu.embedding}), or null. */
  public final String[] npuEmbedding;

  public final String preset;
  /**
   * The model family when the manifest names one ({@code family}, else an HF checkpoint's
   * {@code source.model_type}, e.g. "llava_onevision"); null for bluev's own presets.
   */
  public final String family;
  /** Components by name in manifest order: vision_encoder, projector, llm (vision may be absent). */
  public final Map<String, Component> components;
  public final String tokenizerFile;
  public final String tokenizerSha256;
  public final Llm llm;
  /** -1 when the tokenizer has no beginning-of-text token (Qwen2's). */
  public final int bosId;
  public final List<Long> eosIds;
  public final ChatTemplate chatTemplate;
  /** Null for a text-only preset. */
  public final Vision vision;
  /**
   * How a picture reaches the LLM ({@code layout}; null for a text-only preset).
   */
  public final ImageLayout layout;
  /** Null when exported with --no-stock-runner. */
  public final StockRunner stockRunner;
  /** Null when the set has no speech programs (typed questions only). */
  public final Speech speech;

  private final List<FileRef> fileRefs = new ArrayList<>();

  private Manifest(Map<String, Object> root) {
    preset = Fields.string(root, "preset");
    Map<String, Object> source = Fields.optObject(root, "source");
    String modelType = source == null ? null : Fields.optString(source, "model_type", null);
    family = Fields.optString(root, "family", modelType);
    Map<String, Component> comps = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : Fields.object(root, "components").entrySet()) {
      comps.put(e.getKey(), new Component(e.getKey(), Fields.asObject(e.getValue(), e.getKey())));
    }
    if (!Fields.has(root, "llm")) {
      throw new JsonException(
          "vision-only artifacts (exported with --components vision) have no LLM; export"
              + " without --components to answer prompts");
    }
    if (!comps.containsKey("llm")) {
      throw new JsonException("components.llm: missing");
    }
    components = Collections.unmodifiableMap(comps);
    for (Map.Entry<String, Object> e : Fields.object(root, "components").entrySet()) {
      Map<String, Object> obj = Fields.asObject(e.getValue(), e.getKey());
      Component comp = comps.get(e.getKey());
      fileRefs.add(new FileRef(e.getKey(), comp.file, obj));
      if (comp.dataFile != null) { // verified and copied like the program itself
        fileRefs.add(new FileRef(e.getKey() + " data", comp.dataFile, Fields.object(obj, "data")));
      }
    }
    Map<String, Object> tok = Fields.object(root, "tokenizer");
    tokenizerFile = fileName(tok, "tokenizer");
    tokenizerSha256 = Fields.string(tok, "sha256");
    fileRefs.add(new FileRef("tokenizer", tokenizerFile, tok));
    llm = new Llm(Fields.object(root, "llm"));
    Map<String, Object> special = Fields.object(root, "special_tokens");
    bosId = Fields.has(special, "bos_id") ? (int) Fields.integer(special, "bos_id") : -1;
    eosIds = Collections.unmodifiableList(Fields.integers(special, "eos_ids"));
    chatTemplate = ChatTemplate.fromJson(Fields.object(root, "chat_template"));
    Map<String, Object> vis = Fields.optObject(root, "vision");
    vision = vis == null ? null : new Vision(vis);
    Map<String, Object> lay = Fields.optObject(root, "layout");
    if ((lay == null) != (vision == null)) {
      throw new JsonException(lay == null ? "layout: missing beside the vision section"
          : "layout: given without a vision section");
    }
    layout = lay == null ? null : ImageLayout.fromJson(lay);
    Map<String, Object> stock = Fields.optObject(root, "stock_runner");
    stockRunner = stock == null ? null : new StockRunner(stock, tokenizerFile);
    if (stockRunner != null) {
      fileRefs.add(new FileRef("stock_runner", stockRunner.program, stock));
    }
    Map<String, Object> npu = Fields.optObject(root, "npu");
    Map<String, Object> table = npu == null ? null : Fields.object(npu, "embedding");
    npuEmbedding =
        table == null
            ? null
            : new String[] {"token_embedding", fileName(table, "npu.embedding"), Fields.string(table, "sha256")};
    if (table != null) {
      fileRefs.add(new FileRef("token_embedding", npuEmbedding[1], table));
    }
    Map<String, Object> sp = Fields.optObject(root, "speech");
    speech = sp == null ? null : new Speech(sp);
    if (speech != null) { // the order of the Python Manifest.files()
      fileRefs.add(new FileRef("speech_tokenizer", speech.tokenizerFile, Fields.object(sp, "tokenizer")));
      Map<String, Object> filters = Fields.object(Fields.object(sp, "features"), "filters");
      fileRefs.add(new FileRef("mel_filters", speech.filtersFile, filters));
    }
    if (layout != null && layout.anyres != null) {
      fileRefs.add(layout.anyres.newline); // the order of Manifest.file_entries in manifest.py
    }
  }

  /** True when the set carries the speech programs (the app's recognizer when the phone has none). */
  public boolean hasSpeech() {
    return speech != null
        && components.containsKey(speech.encoder)
        && components.containsKey(speech.decoder);
  }

  /**
   * A file the manifest names: a plain name inside the artifact directory. Anything that could
   * reach outside it (an absolute path, "..", a backslash) is refused before it is touched.
   */
  static String fileName(Map<String, Object> obj, String role) {
    String name = Fields.string(obj, "file");
    boolean escapes =
        name.isEmpty()
            || name.startsWith("/")
            || name.contains("\\")
            || ("/" + name + "/").contains("/../");
    if (escapes) {
      throw new JsonException(role + " file '" + name + "' is outside the artifact directory; refused");
    }
    return name;
  }

  /**
   * Parses manifest.json text. {@code where} names the file in error messages (e.g. its path).
   *
   * @throws ArtifactException when the text is not JSON, not a bluev manifest, of another format
   *     version, or misses a field the app needs.
   */
  public static Manifest parse(String text, String where) throws ArtifactException {
    Object parsed;
    try {
      parsed = Json.parse(text);
    } catch (JsonException ex) {
      throw new ArtifactException(where + ": unreadable JSON (" + ex.getMessage() + ")");
    }
    if (!(parsed instanceof Map)) {
      throw new ArtifactException(where + ": not a bluev manifest (not a JSON object)");
    }
    Map<String, Object> root = Fields.asObject(parsed, where);
    Object format = root.get("format");
    if (!FORMAT.equals(format)) {
      throw new ArtifactException(where + ": not a bluev manifest (format " + format + ")");
    }
    Object version = root.get("format_version");
    if (!(version instanceof Long) || (Long) version != FORMAT_VERSION) {
      throw new ArtifactException(
          where + ": format version " + version + ", this app reads " + FORMAT_VERSION
              + "; re-export with a matching bluev");
    }
    try {
      return new Manifest(root);
    } catch (JsonException | IllegalArgumentException ex) {
      throw new ArtifactException(where + ": " + ex.getMessage());
    }
  }

  /** True when the per-component programs can take an image (vision encoder and projector). */
  public boolean multimodal() {
    return vision != null
        && components.containsKey("vision_encoder")
        && components.containsKey("projector");
  }

  /** The backend the LLM program was lowered for (the benchmark's {@code backend} field). */
  public String llmBackend() {
    return components.get("llm").backend;
  }

  /** Every file the manifest names as {role, file, sha256}, in a stable order. */
  public List<String[]> files() {
    List<String[]> out = new ArrayList<>();
    for (FileRef f : fileRefs) {
      out.add(new String[] {f.role, f.file, f.sha256});
    }
    return out;
  }

  /** Every file the manifest names with its size, in the order of {@link #files()}. */
  public List<FileRef> fileRefs() {
    return Collections.unmodifiableList(fileRefs);
  }

  /** The bytes of every file the manifest names (the manifest itself not counted). */
  public long totalBytes() {
    long sum = 0;
    for (FileRef f : fileRefs) {
      sum += f.bytes;
    }
    return sum;
  }
}
