// What the runner learns about a model: everything comes from manifest.json (export/exporter.py
// assemble_manifest). All reading of the manifest's JSON keys lives in manifest.cpp.
#pragma once

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

// The XNNPACK layout: `embed` looks token ids up, `prefill` runs a chunk of embeddings at
// start_pos on the KV cache held inside the program; decode is `decode` (= prefill) with one.
struct LlmInfo {
  std::string file;
  std::string embed_method;
  std::string prefill_method;
  std::string decode_method;
  int chunk_size = 0;
  int max_seq_len = 0;
  int dim = 0;
  int vocab_size = 0;
};

struct ChatTemplateInfo {
  std::string prefix;
  std::string suffix;
  std::string image_position = "before_prompt";
};

struct Manifest {
  std::string root;  // the artifact directory
  std::string preset;
  std::string tokenizer_file;
  bool has_vision = false;
  VisionInfo vision;
  bool has_llm = false;
  LlmInfo llm;
  ChatTemplateInfo chat;
  std::vector<int64_t> eos_ids;

  std::string path(const std::string& file) const { return root + "/" + file; }
};

constexpr const char* kManifestFormat = "bluev-artifacts";
constexpr int kManifestFormatVersion = 1;

// Reads and checks <dir>/manifest.json: format and version, every named file present and (with
// verify) matching its sha256, backends this CPU runner can run. Throws BadInput (one line).
Manifest read_manifest(const std::string& dir, bool verify);

}  // namespace bluev
