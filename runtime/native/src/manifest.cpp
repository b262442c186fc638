// The only file that knows manifest.json's keys (see manifest.h; the schema is
// docs/manifest.schema.json, generated from runtime/manifest.py).
#include "manifest.h"

#include <sys/stat.h>

#include <cstdlib>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "errors.h"
#include "sha256.h"

namespace bluev {
namespace {

using nlohmann::json;

// Backends whose programs this runner's ExecuTorch build can run on a CPU.
const char* const kCpuBackends[] = {"xnnpack", "portable"};

bool is_dir(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool is_file(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// A key's value, or a one-line refusal naming the manifest and the key.
const json& need(const json& obj, const char* key, const std::string& where) {
  if (!obj.is_object() || !obj.contains(key) || obj.at(key).is_null()) {
    throw BadInput(where + ": missing \"" + key + "\"");
  }
  return obj.at(key);
}

bool present(const json& obj, const char* key) {
  return obj.is_object() && obj.contains(key) && !obj.at(key).is_null();
}

// The artifact directory's own file `name`, or a refusal: a manifest may name nothing outside it
// (an absolute path, "..", a backslash, or a symlink out of the folder), as runtime/artifacts.py
// inside() refuses.
void check_inside(const std::string& root, const FileRef& f, const std::string& where) {
  const std::string& name = f.file;
  bool escapes = name.empty() || name[0] == '/' || name.find('\\') != std::string::npos ||
                 ("/" + name + "/").find("/../") != std::string::npos;
  if (!escapes) {
    char* dir = realpath(root.c_str(), nullptr);
    char* file = realpath((root + "/" + name).c_str(), nullptr);
    if (dir != nullptr && file != nullptr) {
      const std::string d(dir), p(file);
      escapes = p.compare(0, d.size() + 1, d + "/") != 0;
    }
    std::free(dir);
    std::free(file);
  }
  if (escapes) throw BadInput(where + ": " + f.role + " file '" + name + "' is outside the artifact directory; refused");
}

FileRef file_ref(const std::string& role, const json& entry, const std::string& where) {
  return {role, need(entry, "file", where).get<std::string>(), need(entry, "sha256", where).get<std::string>(),
          entry.value("backend", "")};
}

TilerParams read_tiler(const json& t, const std::string& where) {
  TilerParams p;
  p.policy = need(t, "policy", where).get<std::string>();
  p.tile_size = need(t, "tile_size", where).get<int>();
  p.alpha = need(t, "alpha", where).get<double>();
  p.min_tiles = need(t, "min_tiles", where).get<int>();
  p.max_tiles = need(t, "max_tiles", where).get<int>();
  p.thumbnail = need(t, "thumbnail", where).get<bool>();
  p.tokens_per_tile = need(t, "tokens_per_tile", where).get<int>();
  if (present(t, "grids")) {  // format 2 writes the candidates out; null: the tiler's own rule
    p.has_grids = true;
    for (const auto& g : t.at("grids")) p.grids.emplace_back(g.at(0).get<int>(), g.at(1).get<int>());
  }
  return p;
}

void read_vision(Manifest& m, const json& j, const std::string& where) {
  const json& comps = j.at("components");
  if (!comps.contains("vision_encoder") || !comps.contains("projector") || !present(j, "vision")) return;
  const json& v = j.at("vision");
  // A family's own processor (llava-anyres, idefics3, internvl) places its tokens and features in
  // ways this runner does not implement: refuse rather than answer with bluev's own layout.
  if (present(j, "layout")) {
    const std::string kind = need(j.at("layout"), "kind", where).get<std::string>();
    if (kind != "bluelm-v") {
      throw BadInput(where + ": image layout '" + kind + "' (" + j.at("layout").value("family", "") +
                     "): this bluev-runner runs bluev's own layout (bluelm-v) only; use bluev run");
    }
  }
  m.has_vision = true;
  m.vision.encoder_file = need(comps.at("vision_encoder"), "file", where).get<std::string>();
  m.vision.projector_file = need(comps.at("projector"), "file", where).get<std::string>();
  m.vision.tiler = read_tiler(need(v, "tiler", where), where);
  m.vision.max_batch = need(v, "max_batch", where).get<int>();
  m.vision.fixed_batch = need(v, "fixed_batch", where).get<bool>();
  const json& norm = need(v, "normalize", where);
  for (int c = 0; c < 3; ++c) {
    m.vision.mean[c] = norm.at("mean").at(c).get<float>();
    m.vision.std[c] = norm.at("std").at(c).get<float>();
  }
}

void read_llm(Manifest& m, const json& j, const std::string& where) {
  const json& comps = j.at("components");
  if (!comps.contains("llm") || !present(j, "llm")) return;
  const json& l = j.at("llm");
  const json& methods = need(l, "methods", where);
  m.has_llm = true;
  LlmInfo& info = m.llm;
  info.file = need(comps.at("llm"), "file", where).get<std::string>();
  if (present(comps.at("llm"), "data")) info.data_file = need(comps.at("llm").at("data"), "file", where).get<std::string>();
  info.backend = comps.at("llm").value("backend", "");
  info.layout = need(l, "layout", where).get<std::string>();
  if (info.layout != "dynamic" && info.layout != "static") {
    throw BadInput(where + ": llm.layout '" + info.layout + "': this bluev-runner runs \"dynamic\" and \"static\"");
  }
  info.embed_method = present(methods, "embed") ? methods.at("embed").get<std::string>() : "";
  if (info.layout == "dynamic" && info.embed_method.empty()) {
    throw BadInput(where + ": the dynamic LLM layout needs llm.methods.embed");
  }
  info.prefill_method = need(methods, "prefill", where).get<std::string>();
  info.decode_method = need(methods, "decode", where).get<std::string>();
  info.chunk_size = need(l, "chunk_size", where).get<int>();
  info.max_seq_len = need(l, "max_seq_len", where).get<int>();
  info.dim = need(l, "dim", where).get<int>();
  info.vocab_size = need(l, "vocab_size", where).get<int>();
  info.n_layers = need(l, "n_layers", where).get<int>();
  info.n_heads = need(l, "n_heads", where).get<int>();
  info.n_kv_heads = need(l, "n_kv_heads", where).get<int>();
}

// The inputs export/mediatek/graphs.py input_names() gives, in order: what StaticLayout feeds.
std::vector<std::string> static_inputs(int n_layers) {
  std::vector<std::string> names{"embeddings", "mask", "rope"};
  for (const char* kind : {"k_cache_", "v_cache_"}) {
    for (int i = 0; i < n_layers; ++i) names.push_back(kind + std::to_string(i));
  }
  return names;
}

void read_static(Manifest& m, const json& j, const std::string& where) {
  if (!m.has_llm || !m.llm.is_static()) return;
  const json& n = need(j, "npu", where);  // the static layout's facts
  StaticInfo& s = m.static_layout;
  m.has_static = true;
  s.soc = present(n, "soc") ? n.at("soc").get<std::string>() : "";
  s.chunk = need(n, "chunk", where).get<int>();
  s.cache_len = need(n, "cache_len", where).get<int>();
  s.inputs = need(n, "inputs", where).get<std::vector<std::string>>();
  s.mask_value = need(n, "mask_value", where).get<float>();
  s.rope_theta = need(n, "rope_theta", where).get<double>();
  const json& table = need(n, "embedding", where);
  s.embedding_file = need(table, "file", where).get<std::string>();
  s.embedding_shape = need(table, "shape", where).get<std::vector<int64_t>>();
  s.embedding_dtype = need(table, "dtype", where).get<std::string>();
  m.files.push_back(file_ref("token_embedding", table, where));
  if (s.inputs != static_inputs(m.llm.n_layers)) {
    throw BadInput(where + ": npu.inputs are not embeddings, mask, rope, then the key and value caches of " +
                   std::to_string(m.llm.n_layers) + " layers: a calling convention this runner does not know");
  }
  const std::vector<int64_t> shape{m.llm.vocab_size, m.llm.dim};
  if (s.embedding_dtype != "float32" || s.embedding_shape != shape) {
    throw BadInput(where + ": npu.embedding must be float32 [vocab_size, dim]");
  }
  if (s.chunk < 2 || s.cache_len < s.chunk || m.llm.dim % m.llm.n_heads || m.llm.n_heads % m.llm.n_kv_heads) {
    throw BadInput(where + ": npu.chunk/cache_len or the LLM's head counts do not fit the static layout");
  }
}

void check_format(const json& j, const std::string& where) {
  if (!j.is_object() || j.value("format", json()).dump() != json(kManifestFormat).dump()) {
    throw BadInput(where + ": not a bluev manifest (format " +
                   (j.is_object() ? j.value("format", json()).dump() : std::string("none")) + ")");
  }
  if (j.value("format_version", json()) != json(kManifestFormatVersion)) {
    throw BadInput(where + ": format version " + j.value("format_version", json()).dump() +
                   ", this bluev-runner reads " + std::to_string(kManifestFormatVersion) +
                   "; re-export with this version");
  }
}

// Backends this CPU build cannot run get a refusal that says where they do run.
void check_backend(const Manifest& m, const FileRef& f) {
  for (const char* ok : kCpuBackends) {
    if (f.backend == ok) return;
  }
  std::string why = "export with --backend xnnpack";
  if (f.backend == "mediatek") {
    why = "the MediaTek NPU programs need bluev-runner built with ExecuTorch's NeuroPilot backend, on a "
          "Dimensity phone (docs/native-runner.md)";
  }
  throw BadInput(m.path(f.file) + ": built for backend '" + f.backend +
                 "', which this CPU build of bluev-runner cannot run; " + why);
}

}  // namespace

Manifest parse_manifest(const std::string& text, const std::string& root, const std::string& where) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    throw BadInput(where + ": unreadable JSON (" + std::string(e.what()) + ")");
  }
  check_format(j, where);
  Manifest m;
  m.root = root;
  try {
    m.preset = need(j, "preset", where).get<std::string>();
    for (const auto& [name, comp] : need(j, "components", where).items()) {
      m.files.push_back(file_ref(name, comp, where));
      // the program's data file, under the role runtime/manifest.py's Manifest.files() gives it
      if (present(comp, "data")) m.files.push_back(file_ref(name + " data", comp.at("data"), where));
    }
    const json& tok = need(j, "tokenizer", where);
    m.files.push_back(file_ref("tokenizer", tok, where));
    m.tokenizer_file = tok.at("file").get<std::string>();
    read_vision(m, j, where);
    read_llm(m, j, where);
    read_static(m, j, where);
    const json& chat = need(j, "chat_template", where);
    m.chat.prefix = need(chat, "prefix", where).get<std::string>();
    m.chat.suffix = need(chat, "suffix", where).get<std::string>();
    m.chat.image_position = need(chat, "image_position", where).get<std::string>();
    for (const auto& id : need(need(j, "special_tokens", where), "eos_ids", where)) {
      m.eos_ids.push_back(id.get<int64_t>());
    }
  } catch (const json::exception& e) {
    throw BadInput(where + ": unexpected value (" + std::string(e.what()) + ")");
  }
  return m;
}

Manifest read_manifest(const std::string& dir, bool verify) {
  if (!is_dir(dir)) throw BadInput(dir + ": no such artifact directory (run `bluev export --out " + dir + "`)");
  std::string where = dir + "/manifest.json";
  if (!is_file(where)) throw BadInput(where + ": missing; not a bluev artifact directory");
  std::ifstream in(where);
  std::stringstream text;
  text << in.rdbuf();
  Manifest m = parse_manifest(text.str(), dir, where);
  if (!m.has_llm) {
    throw BadInput(dir + ": vision-only artifacts (exported with --components vision) have no LLM; "
                         "export without --components to answer prompts");
  }
  for (const FileRef& f : m.files) {  // first: a set for another backend is refused as such
    if (!f.backend.empty()) check_backend(m, f);
  }
  for (const FileRef& f : m.files) {
    check_inside(dir, f, where);
    const std::string path = m.path(f.file);
    if (!is_file(path)) throw BadInput(path + ": missing (" + f.role + " named by the manifest)");
    if (verify && sha256_file(path) != f.sha256) {
      throw BadInput(path + ": sha256 does not match the manifest (corrupt or replaced file)");
    }
  }
  return m;
}

}  // namespace bluev
