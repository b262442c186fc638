// What the runner learns about a model: everything comes from manifest.json (export/exporter.py
// assemble_manifest). All reading of the manifest's JSON keys lives in manifest.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace bluev {

struct TilerParams {
  std::string policy = "relaxed";  // relaxed | llava-next | internvl
  int tile_size = 384;
  double alpha = 0.1;
  int min_tiles = 1;
  int max_tiles = 9;
  std::vector<std::pair<int, int>> grids;  // explicit candidates (columns, rows); empty = all
  bool has_grids = false;
  bool thumbnail = true;
  int tokens_per_tile = 196;
};

struct VisionInfo {
  std::string encoder_file;
  std::string projector_file;
  TilerParams tiler;
  int max_batch = 1;
  bool fixed_batch = false;  // the program takes exactly max_batch tiles (pad with zero tiles)
  float mean[3] = {0.5f, 0.5f, 0.5f};
  float std[3] = {0.5f, 0.5f, 0.5f};
};

// The LLM program (manifest "llm"). Two layouts (runtime/manifest.py Llm.layout):
//   dynamic: `embed` looks token ids up, `prefill` runs 1..chunk embeddings at start_pos on the KV
//            cache held inside the program; decode is `decode` (= prefill) with one embedding.
//   static:  the NPU's fixed-shape programs, `prefill` (t = chunk) and `decode` (t = 1), with
//            caches, mask and rope rows as inputs (StaticInfo); no embedding method.
struct LlmInfo {
  std::string file;
  std::string data_file;     // components.llm.data: the program's .ptd (empty: none)
  std::string backend;
  std::string layout;        // "dynamic" | "static"
  std::string embed_method;  // empty for the static layout
  std::string prefill_method;
  std::string decode_method;
  int chunk_size = 0;
  int max_seq_len = 0;
  int dim = 0;
  int vocab_size = 0;
  int n_layers = 0;
  int n_heads = 0;
  int n_kv_heads = 0;

  bool is_static() const { return layout == "static"; }
  int head_dim() const { return n_heads > 0 ? dim / n_heads : 0; }
};

// The static layout's calling convention (manifest "npu", export/static_layout.py).
struct StaticInfo {
  std::string soc;  // empty: the programs were lowered to a CPU backend (XNNPACK)
  int chunk = 0;
  int cache_len = 0;  // C: past tokens each cache holds, [1, n_kv_heads, C, head_dim]
  std::vector<std::string> inputs;
  float mask_value = -100.0f;
  double rope_theta = 10000.0;
  std::string embedding_file;  // raw [vocab, dim] table the runner looks tokens up in
  std::vector<int64_t> embedding_shape;
  std::string embedding_dtype;
};

struct ChatTemplateInfo {
  std::string prefix;
  std::string suffix;
  std::string image_position = "before_prompt";
};

// A file the runner reads, as the manifest names it.
struct FileRef {
  std::string role;     // component name, "<component> data", "tokenizer" or "token_embedding"
  std::string file;     // relative to the artifact directory
  std::string sha256;
  std::string backend;  // components only
};

struct Manifest {
  std::string root;  // the artifact directory
  std::vector<FileRef> files;
  std::string preset;
  std::string tokenizer_file;
  bool has_vision = false;
  VisionInfo vision;
  bool has_llm = false;
  LlmInfo llm;
  bool has_static = false;
  StaticInfo static_layout;
  ChatTemplateInfo chat;
  std::vector<int64_t> eos_ids;

  std::string path(const std::string& file) const { return root + "/" + file; }
};

constexpr const char* kManifestFormat = "bluev-artifacts";
constexpr int kManifestFormatVersion = 4;

// The manifest's fields, checked for format, version and types but not against any file: what
// the check tool compares with runtime/manifest.py. Throws BadInput (one line) naming `where`.
Manifest parse_manifest(const std::string& text, const std::string& root, const std::string& where);

// Reads and checks <dir>/manifest.json: parse_manifest, then every file the runner uses present
// and (with verify) matching its sha256, and backends this CPU build can run. Throws BadInput.
Manifest read_manifest(const std::string& dir, bool verify);

}  // namespace bluev
