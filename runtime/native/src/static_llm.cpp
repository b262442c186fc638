// The static LLM layout: the NPU's fixed-shape programs (export/mediatek/graphs.py), driven as
// NpuSession drives them in Python. Per call the runner builds what the dynamic layout keeps
// inside its program:
//   embeddings [1, t, dim]      rows of the manifest's token table (npu.embedding), padded to t;
//   mask [1, 1, t, C + t]       0 where a query may look (the `past` newest cache slots, new
//                               tokens up to itself), npu.mask_value elsewhere;
//   rope [1, 2, t, head_dim]    cos then sin of the call's positions (HF's duplicated halves);
//   caches                      per layer [1, n_kv_heads, C, head_dim], keys then values.
// The program returns the logits and the caches after the call: the C newest entries of
// cache ++ new. Inputs and outputs are the runner's own buffers (the programs are exported with
// no planned I/O, as the NPU's are): the caches live in two sets, the call reads one and writes
// the other, and the two swap roles. A prefill chunk shorter than t leaves padding entries as
// the newest; they are rolled to the oldest (masked) end instead, so the real entries end at the
// last slot again.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "errors.h"
#include "et_util.h"
#include "llm.h"
#include "mapped_file.h"

namespace bluev {
namespace {

using executorch::aten::ScalarType;
using executorch::extension::make_tensor_ptr;

class StaticLayout : public LlmLayout {
 public:
  explicit StaticLayout(const Manifest& m)
      : info_(m.llm),
        s_(m.static_layout),
        path_(m.path(m.llm.file)),
        table_(m.path(m.static_layout.embedding_file)),
        head_dim_(m.llm.head_dim()),
        cache_elems_(size_t(m.llm.n_kv_heads) * m.static_layout.cache_len * m.llm.head_dim()) {
    if (table_.size() != size_t(info_.vocab_size) * info_.dim * sizeof(float)) {
      throw BadInput(m.path(s_.embedding_file) + ": " + std::to_string(table_.size()) +
                     " bytes, the manifest's float32 [vocab_size, dim] table needs " +
                     std::to_string(size_t(info_.vocab_size) * info_.dim * sizeof(float)));
    }
    const std::string data = info_.data_file.empty() ? "" : m.path(info_.data_file);
    program_ = load_program(path_, {info_.prefill_method, info_.decode_method}, data);
    for (auto& set : caches_) set.assign(2 * size_t(info_.n_layers), std::vector<float>(cache_elems_, 0.0f));
    for (int i = 0; i < head_dim_ / 2; ++i) {  // export/llm.py rope_tables, in double as there
      inv_freq_.push_back(1.0 / std::pow(s_.rope_theta, double(2 * i) / head_dim_));
    }
  }

  void reset() override {
    for (auto& set : caches_) {
      for (auto& c : set) std::fill(c.begin(), c.end(), 0.0f);
    }
    current_ = 0;
    past_ = 0;
  }

  std::vector<float> embed(const std::vector<int64_t>& ids) override {
    const float* rows = static_cast<const float*>(table_.data());
    std::vector<float> out;
    out.reserve(ids.size() * info_.dim);
    for (int64_t id : ids) {
      if (id < 0 || id >= info_.vocab_size) throw BadInput("token id " + std::to_string(id) + " is outside the vocabulary");
      out.insert(out.end(), rows + id * info_.dim, rows + (id + 1) * info_.dim);
    }
    return out;
  }

  std::vector<float> step(const float* embeds, int count, int start_pos) override {
    expect_position(start_pos);
    // one embedding: the t=1 program (as NpuSession.run); more: padded to the prefill program's t
    if (count == 1) return call(info_.decode_method, embeds, 1, 1);
    return call(info_.prefill_method, embeds, count, s_.chunk);
  }

  std::vector<float> decode(int64_t token, int pos) override {
    expect_position(pos);
    std::vector<float> e = embed({token});
    return call(info_.decode_method, e.data(), 1, 1);
  }

 private:
  void expect_position(int pos) const {
    if (pos != past_) {
      throw std::logic_error("static layout: call at position " + std::to_string(pos) + " after " +
                             std::to_string(past_) + " tokens (calls must follow each other)");
    }
  }

  std::vector<float> mask(int t, int valid) const {
    const int c = s_.cache_len, width = c + t;
    std::vector<float> m(size_t(t) * width, s_.mask_value);
    for (int i = 0; i < t; ++i) {
      float* row = m.data() + size_t(i) * width;
      std::fill(row + c - past_, row + c, 0.0f);
      for (int j = 0; j <= i && j < valid; ++j) row[c + j] = 0.0f;
    }
    return m;
  }

  std::vector<float> rope(int t) const {
    const int half = head_dim_ / 2;
    std::vector<float> r(size_t(2) * t * head_dim_);
    float* cos_rows = r.data();
    float* sin_rows = r.data() + size_t(t) * head_dim_;
    for (int i = 0; i < t; ++i) {
      const double pos = std::min(past_ + i, info_.max_seq_len - 1);  // padding rows repeat the last
      for (int k = 0; k < head_dim_; ++k) {
        const double angle = pos * inv_freq_[k % half];
        cos_rows[size_t(i) * head_dim_ + k] = float(std::cos(angle));
        sin_rows[size_t(i) * head_dim_ + k] = float(std::sin(angle));
      }
    }
    return r;
  }

  std::vector<float> call(const std::string& method, const float* embeds, int valid, int t) {
    if (past_ + t > s_.cache_len) {
      throw BadInput("prompt: " + std::to_string(past_) + " + " + std::to_string(t) +
                     " tokens exceed the static layout's cache of " + std::to_string(s_.cache_len));
    }
    std::vector<float> x(size_t(t) * info_.dim, 0.0f);
    std::copy(embeds, embeds + size_t(valid) * info_.dim, x.begin());
    std::vector<float> m = mask(t, valid), r = rope(t);
    std::vector<float> logits(size_t(t) * info_.vocab_size);
    const int c = s_.cache_len, kv = info_.n_kv_heads;
    auto tensor = [](std::vector<executorch::aten::SizesType> shape, float* data) {
      return make_tensor_ptr(std::move(shape), data, ScalarType::Float);
    };
    std::vector<TensorPtr> in{tensor({1, t, info_.dim}, x.data()), tensor({1, 1, t, c + t}, m.data()),
                              tensor({1, 2, t, head_dim_}, r.data())};
    std::vector<TensorPtr> out{tensor({1, t, info_.vocab_size}, logits.data())};
    std::vector<std::vector<float>>& read = caches_[current_];
    std::vector<std::vector<float>>& write = caches_[1 - current_];
    for (auto& cache : read) in.push_back(tensor({1, kv, c, head_dim_}, cache.data()));
    for (auto& cache : write) out.push_back(tensor({1, kv, c, head_dim_}, cache.data()));
    std::vector<EValue> outputs(out.begin(), out.end());
    executorch::runtime::Error err = program_->set_outputs(method, outputs);
    if (err != executorch::runtime::Error::Ok) {
      throw BadInput(path_ + ": method '" + method + "' does not take the runner's output buffers (error " +
                     std::to_string(int(err)) + "); static-layout programs are exported with unplanned I/O");
    }
    run_method(*program_, path_, method, std::vector<EValue>(in.begin(), in.end()));
    const int pad = t - valid;
    if (pad == 0) {
      current_ = 1 - current_;
    } else {
      for (size_t i = 0; i < read.size(); ++i) roll_into(write[i], read[i], pad);
    }
    past_ += valid;
    // [1, t, vocab]: the last real position's row
    return std::vector<float>(logits.begin() + size_t(valid - 1) * info_.vocab_size,
                              logits.begin() + size_t(valid) * info_.vocab_size);
  }

  // dst = src rolled by `pad` slots along each head's sequence (Python: roll(pad, dims=2)): slot j
  // moves to (j + pad) mod C, so the newest `pad` (padding) entries wrap to the front.
  void roll_into(const std::vector<float>& src, std::vector<float>& dst, int pad) const {
    const size_t row = size_t(head_dim_), per_head = size_t(s_.cache_len) * row, shift = size_t(pad) * row;
    for (int h = 0; h < info_.n_kv_heads; ++h) {
      const float* s = src.data() + h * per_head;
      float* d = dst.data() + h * per_head;
      std::memcpy(d + shift, s, (per_head - shift) * sizeof(float));
      std::memcpy(d, s + per_head - shift, shift * sizeof(float));
    }
  }

  LlmInfo info_;
  StaticInfo s_;
  std::string path_;
  MappedFile table_;
  int head_dim_;
  size_t cache_elems_;
  std::unique_ptr<Module> program_;
  std::vector<std::vector<float>> caches_[2];  // two sets of 2 * n_layers caches, keys then values
  int current_ = 0;                             // the set the next call reads
  std::vector<double> inv_freq_;
  int past_ = 0;
};

}  // namespace

std::unique_ptr<LlmLayout> open_static_llm(const Manifest& m) { return std::make_unique<StaticLayout>(m); }

}  // namespace bluev
