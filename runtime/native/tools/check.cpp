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
// | {"int": n} | {"bool": b} | {"double": x} | null], "out": {"file", "shape"}}; the out
// tensor's final contents are written to out.file (for update_cache: the cache, input 1).
int op(const std::string& spec_path) {
  json spec = json::parse(read_text(spec_path));
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
  const size_t result = spec.value("result_input", -1) >= 0 ? size_t(spec.at("result_input").get<int>()) : values.size() - 2;
  const auto& t = values[result].toTensor();
  write_floats(spec.at("result_file").get<std::string>(), t.const_data_ptr<float>(), size_t(t.numel()));
  std::cout << json{{"shape", std::vector<int64_t>(t.sizes().begin(), t.sizes().end())}}.dump() << "\n";
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
    if (a.size() == 5 && a[0] == "resize") {
      bluev::ImageFile f = bluev::open_image_file(a[1]);
      bluev::RgbImage out = bluev::resize_bicubic(bluev::decode_rgb(f, 0, 0), std::stoi(a[2]), std::stoi(a[3]));
      std::ofstream(a[4], std::ios::binary).write(reinterpret_cast<const char*>(out.pixels.data()),
                                                   std::streamsize(out.pixels.size()));
      return 0;
    }
    std::fputs("usage: bluev-native-check sha256|tokenize|decode|plan|tiles|op ... (see tools/check.cpp)\n", stderr);
    return 2;
  } catch (const bluev::BadInput& e) {
    std::fprintf(stderr, "bluev-native-check: error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bluev-native-check: internal error: %s\n", e.what());
    return 1;
  }
}
