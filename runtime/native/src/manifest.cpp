// The only file that knows manifest.json's keys (see manifest.h).
#include "manifest.h"

#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>

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

void check_file(const Manifest& m, const std::string& role, const json& entry, bool verify,
                const std::string& where) {
  std::string file = need(entry, "file", where).get<std::string>();
  std::string path = m.path(file);
  if (!is_file(path)) throw BadInput(path + ": missing (" + role + " named by the manifest)");
  if (verify && sha256_file(path) != need(entry, "sha256", where).get<std::string>()) {
    throw BadInput(path + ": sha256 does not match the manifest (corrupt or replaced file)");
  }
}

void check_backend(const Manifest& m, const json& comp, const std::string& name) {
  std::string backend = comp.value("backend", "");
  for (const char* ok : kCpuBackends) {
    if (backend == ok) return;
  }
  throw BadInput(m.path(comp.value("file", name)) + ": built for backend '" + backend +
                 "', which this CPU build of bluev-runner cannot run; export with --backend xnnpack");
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
  if (t.contains("grids") && t.at("grids").is_array()) {
    p.has_grids = true;
    for (const auto& g : t.at("grids")) p.grids.emplace_back(g.at(0).get<int>(), g.at(1).get<int>());
  }
  return p;
}

void read_vision(Manifest& m, const json& j, const std::string& where) {
  const json& comps = j.at("components");
  if (!comps.contains("vision_encoder") || !comps.contains("projector")) return;
  const json& v = need(j, "vision", where);
  m.has_vision = true;
  m.vision.encoder_file = need(comps.at("vision_encoder"), "file", where).get<std::string>();
  m.vision.projector_file = need(comps.at("projector"), "file", where).get<std::string>();
  m.vision.tiler = read_tiler(need(v, "tiler", where), where);
  m.vision.max_batch = need(v, "max_batch", where).get<int>();
  m.vision.fixed_batch = v.value("fixed_batch", false);
  if (v.contains("normalize")) {
    for (int c = 0; c < 3; ++c) {
      m.vision.mean[c] = v.at("normalize").at("mean").at(c).get<float>();
      m.vision.std[c] = v.at("normalize").at("std").at(c).get<float>();
    }
  }
}

void read_llm(Manifest& m, const json& j, const std::string& where) {
  const json& comps = j.at("components");
  if (!comps.contains("llm") || !j.contains("llm") || j.at("llm").is_null()) return;
  const json& l = j.at("llm");
  const json& methods = need(l, "methods", where);
  if (methods.value("embed", json()).is_null()) {
    throw BadInput(where + ": the LLM has no embedding method (an NPU layout); this runner reads "
                           "the XNNPACK layout only");
  }
  m.has_llm = true;
  m.llm.file = need(comps.at("llm"), "file", where).get<std::string>();
  m.llm.embed_method = methods.at("embed").get<std::string>();
  m.llm.prefill_method = need(methods, "prefill", where).get<std::string>();
  m.llm.decode_method = need(methods, "decode", where).get<std::string>();
  m.llm.chunk_size = need(l, "chunk_size", where).get<int>();
  m.llm.max_seq_len = need(l, "max_seq_len", where).get<int>();
  m.llm.dim = need(l, "dim", where).get<int>();
  m.llm.vocab_size = need(l, "vocab_size", where).get<int>();
}

}  // namespace

Manifest read_manifest(const std::string& dir, bool verify) {
  if (!is_dir(dir)) throw BadInput(dir + ": no such artifact directory (run `bluev export --out " + dir + "`)");
  std::string where = dir + "/manifest.json";
  if (!is_file(where)) throw BadInput(where + ": missing; not a bluev artifact directory");
  json j;
  try {
    std::ifstream in(where);
    j = json::parse(in);
  } catch (const json::exception& e) {
    throw BadInput(where + ": unreadable JSON (" + std::string(e.what()) + ")");
  }
  if (!j.is_object() || j.value("format", json()).dump() != json(kManifestFormat).dump()) {
    throw BadInput(where + ": not a bluev manifest (format " +
                   (j.is_object() ? j.value("format", json()).dump() : std::string("none")) + ")");
  }
  if (j.value("format_version", json()) != json(kManifestFormatVersion)) {
    throw BadInput(where + ": format version " + j.value("format_version", json()).dump() +
                   ", this bluev-runner reads " + std::to_string(kManifestFormatVersion) +
                   "; re-export with this version");
  }
  Manifest m;
  m.root = dir;
  try {
    m.preset = j.value("preset", "");
    const json& comps = need(j, "components", where);
    for (const auto& [name, comp] : comps.items()) {
      check_file(m, name, comp, verify, where);
      check_backend(m, comp, name);
    }
    const json& tok = need(j, "tokenizer", where);
    check_file(m, "tokenizer", tok, verify, where);
    m.tokenizer_file = tok.at("file").get<std::string>();
    read_vision(m, j, where);
    read_llm(m, j, where);
    const json& chat = need(j, "chat_template", where);
    m.chat.prefix = need(chat, "prefix", where).get<std::string>();
    m.chat.suffix = need(chat, "suffix", where).get<std::string>();
    m.chat.image_position = chat.value("image_position", "before_prompt");
    for (const auto& id : need(need(j, "special_tokens", where), "eos_ids", where)) {
      m.eos_ids.push_back(id.get<int64_t>());
    }
  } catch (const json::exception& e) {
    throw BadInput(where + ": unexpected value (" + std::string(e.what()) + ")");
  }
  if (!m.has_llm) {
    throw BadInput(dir + ": vision-only artifacts (exported with --components vision) have no LLM; "
                         "export without --components to answer prompts");
  }
  return m;
}

}  // namespace bluev
