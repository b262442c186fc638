// bluev-native-check: the runner's parts one at a time, for tests/native (each compared there
// with the Python implementation it ports: hashlib, HF tokenizers, runtime/tiler.py,
// runtime/image.py, ExecuTorch's llama kernels).
//
//   sha256 FILE                         -> hex digest
//   tokenize TOKENIZER TEXT_FILE        -> JSON list of ids
//   decode TOKENIZER IDS_JSON_FILE      -> JSON {"text", "pieces"} (streamed pieces)
//   plan VECTORS_JSON                   -> JSON list: the plan of every case
//   tiles IMAGE TILER_JSON OUT_FILE     -> JSON plan; float32 tiles (all stages) to OUT_FILE
//   resize IMAGE W H OUT_FILE           -> the decoded RGB image resized (BICUBIC) to OUT_FILE, uint8
//   op SPEC_JSON                        -> runs a registered llama:: kernel on raw float32 files
//                                          (and times it with "repeats")
//   manifest MANIFEST_JSON              -> JSON: what manifest.cpp read (no file is opened)
//   logits DIR PROMPT IMAGE|- N OUT     -> N greedy steps; each step's logits (float32 [N, vocab])
//                                          to OUT; JSON {"token_ids", "prefill_tokens"}
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

#include <executorch/runtime/kernel/kernel_runtime_context.h>
#include <executorch/runtime/kernel/operator_registry.h>
#include <executorch/runtime/platform/runtime.h>

#include "errors.h"
#include "et_util.h"
#include "generate.h"
#include "manifest.h"
#include "resample.h"
#include "sha256.h"
#include "tiler.h"
#include "tiles.h"
#include "tokenizer.h"

using nlohmann::json;

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw bluev::BadInput(path + ": cannot be read");
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<float> read_floats(const std::string& path) {
  std::string b = read_text(path);
  std::vector<float> v(b.size() / sizeof(float));
  std::memcpy(v.data(), b.data(), v.size() * sizeof(float));
  return v;
}

void write_floats(const std::string& path, const float* p, size_t n) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(p), std::streamsize(n * sizeof(float)));
}

bluev::TilerParams tiler_from(const json& t) {
  bluev::TilerParams p;
  p.policy = t.at("policy").get<std::string>();
  p.tile_size = t.at("tile_size").get<int>();
  p.alpha = t.at("alpha").get<double>();
  p.min_tiles = t.at("min_tiles").get<int>();
  p.max_tiles = t.at("max_tiles").get<int>();
  p.thumbnail = t.at("thumbnail").get<bool>();
  p.tokens_per_tile = t.at("tokens_per_tile").get<int>();
  if (t.contains("grids") && t.at("grids").is_array()) {
    p.has_grids = true;
    for (const auto& g : t.at("grids")) p.grids.emplace_back(g.at(0).get<int>(), g.at(1).get<int>());
  }
  return p;
}

json plan_json(const bluev::TilePlan& p) {
  return {{"grid", {p.grid_m, p.grid_n}},
          {"canvas", {p.canvas_w, p.canvas_h}},
          {"tiles", p.tiles()},
          {"thumbnail", p.thumbnail},
          {"images_to_encode", p.images_to_encode()},
          {"image_tokens", p.image_tokens()},
          {"resize", p.stretch ? "stretch" : "fit-pad"},
          {"content", {p.content_w, p.content_h}}};
}

int plan_cases(const std::string& vectors) {
  json out = json::array();
  const json doc = json::parse(read_text(vectors));
  for (const json& c : doc.at("cases")) {
    bluev::TilePlan p = bluev::plan_tiles(c.at("width").get<int>(), c.at("height").get<int>(), tiler_from(c.at("params")));
    out.push_back({{"id", c.at("id")}, {"plan", plan_json(p)}});
  }
  std::cout << out.dump() << "\n";
  return 0;
}

int tiles(const std::string& image, const std::string& tiler, const std::string& out_path) {
  bluev::VisionInfo v;
  v.tiler = tiler_from(json::parse(tiler));
  bluev::TiledImage t = bluev::load_tiles(image, v);
  std::vector<float> all;
  for (const auto& s : t.stages) all.insert(all.end(), s.data.begin(), s.data.end());
  write_floats(out_path, all.data(), all.size());
  std::cout << plan_json(t.plan).dump() << "\n";
  return 0;
}

int decode(const std::string& tokenizer, const std::string& ids_file) {
  bluev::Tokenizer tok(tokenizer);
  bluev::StreamDecoder stream(tok);
  json pieces = json::array();
  for (const json& id : json::parse(read_text(ids_file))) pieces.push_back(stream.push(id.get<int64_t>()));
  std::cout << json{{"text", stream.text()}, {"pieces", pieces}}.dump() << "\n";
  return 0;
}

// SPEC: {"op": "llama::custom_sdpa.out" | "llama::update_cache.out", "inputs": [{"file", "shape"}
// | {"int": n} | {"bool": b} | {"double": x} | null], "out": {"file", "shape"}, "result_file",
// optional "result_input", "repeats", "threads"}; the out tensor's final contents are written to
// result_file (for update_cache: the cache, input 1).
int op(const std::string& spec_path) {
  json spec = json::parse(read_text(spec_path));
  bluev::set_threads(spec.value("threads", 0));
  std::string name = spec.at("op").get<std::string>();
  auto fn = executorch::runtime::get_op_function_from_registry(name.c_str());
  if (!fn.ok()) throw bluev::BadInput(name + ": not registered");
  std::vector<std::vector<float>> buffers;
  std::vector<bluev::TensorPtr> tensors;
  std::vector<bluev::EValue> values;
  buffers.reserve(16);
  auto tensor = [&](const json& t) {
    buffers.push_back(read_floats(t.at("file").get<std::string>()));
    std::vector<executorch::aten::SizesType> shape = t.at("shape").get<std::vector<executorch::aten::SizesType>>();
    tensors.push_back(executorch::extension::make_tensor_ptr(shape, buffers.back().data()));
    return bluev::EValue(tensors.back());
  };
  for (const json& in : spec.at("inputs")) {
    if (in.is_null()) values.emplace_back();
    else if (in.contains("file")) values.push_back(tensor(in));
    else if (in.contains("int")) values.emplace_back(in.at("int").get<int64_t>());
    else if (in.contains("bool")) values.emplace_back(in.at("bool").get<bool>());
    else values.emplace_back(in.at("double").get<double>());
  }
  values.push_back(tensor(spec.at("out")));
  values.push_back(values.back());  // the return slot
  std::vector<bluev::EValue*> stack;
  for (auto& v : values) stack.push_back(&v);
  executorch::runtime::KernelRuntimeContext ctx;
  fn.get()(ctx, {stack.data(), stack.size()});
  if (ctx.failure_state() != executorch::runtime::Error::Ok) throw bluev::BadInput(name + ": the kernel refused its inputs");
  // "repeats": time that many more calls on the same inputs (the kernels' decode cost)
  const int repeats = spec.value("repeats", 0);
  double us_per_call = 0.0;
  if (repeats > 0) {
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < repeats; ++i) fn.get()(ctx, {stack.data(), stack.size()});
    us_per_call = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() / repeats;
  }
  const size_t result = spec.value("result_input", -1) >= 0 ? size_t(spec.at("result_input").get<int>()) : values.size() - 2;
  const auto& t = values[result].toTensor();
  write_floats(spec.at("result_file").get<std::string>(), t.const_data_ptr<float>(), size_t(t.numel()));
  json report{{"shape", std::vector<int64_t>(t.sizes().begin(), t.sizes().end())}};
  if (repeats > 0) report["us_per_call"] = us_per_call;
  std::cout << report.dump() << "\n";
  return 0;
}

// Every field manifest.cpp reads, under the manifest's own names, for the comparison with
// runtime/manifest.py in tests/native.
int manifest(const std::string& path) {
  bluev::Manifest m = bluev::parse_manifest(read_text(path), ".", path);
  json files = json::array();
  for (const auto& f : m.files) files.push_back({{"role", f.role}, {"file", f.file}, {"sha256", f.sha256}, {"backend", f.backend}});
  json out{{"preset", m.preset}, {"tokenizer", m.tokenizer_file}, {"files", files}, {"eos_ids", m.eos_ids},
           {"chat_template", {{"prefix", m.chat.prefix}, {"suffix", m.chat.suffix}, {"image_position", m.chat.image_position}}}};
  if (m.has_vision) {
    const bluev::VisionInfo& v = m.vision;
    const bluev::TilerParams& t = v.tiler;
    json grids = json::array();
    for (const auto& [c, r] : t.grids) grids.push_back({c, r});
    out["vision"] = {{"encoder", v.encoder_file}, {"projector", v.projector_file}, {"max_batch", v.max_batch},
                     {"fixed_batch", v.fixed_batch}, {"mean", v.mean}, {"std", v.std},
                     {"tiler", {{"policy", t.policy}, {"tile_size", t.tile_size}, {"alpha", t.alpha},
                                {"min_tiles", t.min_tiles}, {"max_tiles", t.max_tiles}, {"grids", grids},
                                {"thumbnail", t.thumbnail}, {"tokens_per_tile", t.tokens_per_tile}}}};
  }
  if (m.has_llm) {
    const bluev::LlmInfo& l = m.llm;
    out["llm"] = {{"file", l.file}, {"data", l.data_file}, {"backend", l.backend}, {"layout", l.layout}, {"embed", l.embed_method},
                  {"prefill", l.prefill_method}, {"decode", l.decode_method}, {"chunk_size", l.chunk_size},
                  {"max_seq_len", l.max_seq_len}, {"dim", l.dim}, {"vocab_size", l.vocab_size},
                  {"n_layers", l.n_layers}, {"n_heads", l.n_heads}, {"n_kv_heads", l.n_kv_heads}};
  }
  if (m.has_static) {
    const bluev::StaticInfo& st = m.static_layout;
    out["static"] = {{"soc", st.soc}, {"chunk", st.chunk}, {"cache_len", st.cache_len}, {"inputs", st.inputs},
                     {"mask_value", st.mask_value}, {"rope_theta", st.rope_theta}, {"embedding", st.embedding_file},
                     {"embedding_shape", st.embedding_shape}, {"embedding_dtype", st.embedding_dtype}};
  }
  std::cout << out.dump() << "\n";
  return 0;
}

// Greedy steps through the runner's own path (tiles, vision, prompt, chunked prefill, decode):
// the logits every token was chosen from, to compare layouts and builds within a tolerance.
int step_logits(const std::string& dir, const std::string& prompt, const std::string& image, int steps,
                const std::string& out) {
  bluev::Runner runner(bluev::read_manifest(dir, true));
  bluev::Request r;
  r.prompt = prompt;
  r.image = image == "-" ? "" : image;
  r.max_new_tokens = steps;
  r.keep_logits = true;
  runner.check(r);
  bluev::Generation g = runner.generate(r, nullptr);
  std::vector<float> all;
  for (const auto& row : g.logits) all.insert(all.end(), row.begin(), row.end());
  write_floats(out, all.data(), all.size());
  std::cout << json{{"token_ids", g.token_ids}, {"prefill_tokens", g.stats.prefill_tokens}}.dump() << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  executorch::runtime::runtime_init();
  bluev::configure_logging(false);
  std::vector<std::string> a(argv + 1, argv + argc);
  try {
    if (a.size() == 2 && a[0] == "sha256") return std::puts(bluev::sha256_file(a[1]).c_str()) < 0;
    if (a.size() == 3 && a[0] == "tokenize") {
      bluev::Tokenizer tok(a[1]);
      std::cout << json(tok.encode(read_text(a[2]))).dump() << "\n";
      return 0;
    }
    if (a.size() == 3 && a[0] == "decode") return decode(a[1], a[2]);
    if (a.size() == 2 && a[0] == "plan") return plan_cases(a[1]);
    if (a.size() == 4 && a[0] == "tiles") return tiles(a[1], a[2], a[3]);
    if (a.size() == 2 && a[0] == "op") return op(a[1]);
    if (a.size() == 2 && a[0] == "manifest") return manifest(a[1]);
    if (a.size() == 6 && a[0] == "logits") return step_logits(a[1], a[2], a[3], std::stoi(a[4]), a[5]);
    if (a.size() == 5 && a[0] == "resize") {
      bluev::ImageFile f = bluev::open_image_file(a[1]);
      bluev::RgbImage out = bluev::resize_bicubic(bluev::decode_rgb(f, 0, 0), std::stoi(a[2]), std::stoi(a[3]));
      std::ofstream(a[4], std::ios::binary).write(reinterpret_cast<const char*>(out.pixels.data()),
                                                   std::streamsize(out.pixels.size()));
      return 0;
    }
    std::fputs("usage: bluev-native-check sha256|tokenize|decode|plan|tiles|op|manifest|logits ... (see tools/check.cpp)\n", stderr);
    return 2;
  } catch (const bluev::BadInput& e) {
    std::fprintf(stderr, "bluev-native-check: error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bluev-native-check: internal error: %s\n", e.what());
    return 1;
  }
}
