// bluev's reference kernel for llama::custom_sdpa.out (see update_cache.cpp for why it exists).
//
// Semantics (extension/llm/custom_ops/op_sdpa.cpp, sequence at dim 1): q [B, S, Hq, D] attends
// to k, v [B, T, Hkv, D] (T: the cache length), Hq a multiple of Hkv (grouped-query attention:
// query head h reads kv head h / (Hq / Hkv)). Causal: the query at row i sits at position
// start_pos + i and sees keys 0 .. start_pos + i, so only the filled part of the cache is read.
// With attn_mask [S, T] instead (float: added to the scores; bool: true = attend) every key is
// a candidate. Scale: the given one, else 1 / sqrt(D). Output [B, S, Hq, D], float32.
//
// A plain two-pass softmax per query row, the query heads of one kv head together (one pass over
// its key and value rows), groups spread over ExecuTorch's thread pool; it differs from
// ExecuTorch's blocked flash attention by float rounding only. A decode step (one causal query
// row, no mask) goes to decode_attention, which also splits the cache across threads.
#include "kernels/decode_attention.h"

#include <executorch/extension/kernel_util/make_boxed_from_unboxed_functor.h>
#include <executorch/runtime/kernel/kernel_includes.h>
#include <executorch/runtime/kernel/thread_parallel_interface.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <vector>

namespace bluev::kernels {

using executorch::aten::ScalarType;
using executorch::aten::Tensor;
using executorch::runtime::Error;
using executorch::runtime::KernelRuntimeContext;

namespace {

float dot(const float* a, const float* b, int64_t n) {
  // Eight partial sums: vectorises without -ffast-math.
  float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int k = 0; k < 8; ++k) s[k] += a[i + k] * b[i + k];
  }
  float total = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
  for (; i < n; ++i) total += a[i] * b[i];
  return total;
}

struct Shape {
  int64_t batch, seq, heads, kv_heads, dim, keys;
};

bool valid(const Tensor& q, const Tensor& k, const Tensor& v, const std::optional<Tensor>& mask, bool causal,
           int64_t start_pos) {
  ET_CHECK_OR_RETURN_FALSE(q.dim() == 4 && k.dim() == 4 && v.dim() == 4, "custom_sdpa: q, k, v must be 4-D");
  ET_CHECK_OR_RETURN_FALSE(q.scalar_type() == ScalarType::Float && k.scalar_type() == ScalarType::Float &&
                               v.scalar_type() == ScalarType::Float,
                           "custom_sdpa: bluev's reference kernel takes float32 only");
  ET_CHECK_OR_RETURN_FALSE(k.size(0) == q.size(0) && v.size(0) == q.size(0) && k.size(3) == q.size(3) &&
                               v.size(3) == q.size(3) && k.size(1) == v.size(1) && k.size(2) == v.size(2),
                           "custom_sdpa: q [B, S, Hq, D], k and v [B, T, Hkv, D] do not agree");
  ET_CHECK_OR_RETURN_FALSE(k.size(2) > 0 && q.size(2) % k.size(2) == 0,
                           "custom_sdpa: query heads must be a multiple of kv heads");
  ET_CHECK_OR_RETURN_FALSE(!(mask.has_value() && causal), "custom_sdpa: attn_mask and is_causal together");
  if (mask.has_value()) {
    const Tensor& m = mask.value();
    ET_CHECK_OR_RETURN_FALSE(m.dim() == 2 && m.size(0) == q.size(1) && m.size(1) == k.size(1),
                             "custom_sdpa: attn_mask must be [S, T]");
    ET_CHECK_OR_RETURN_FALSE(m.scalar_type() == ScalarType::Float || m.scalar_type() == ScalarType::Bool,
                             "custom_sdpa: attn_mask must be float32 or bool");
  }
  ET_CHECK_OR_RETURN_FALSE(start_pos >= 0 && (!causal || start_pos + q.size(1) <= k.size(1)),
                           "custom_sdpa: start_pos + S is past the cache");
  return true;
}

// out[0..n) += p * x[0..n): restrict, so that it vectorises without an aliasing check.
void axpy(float p, const float* __restrict x, float* __restrict out, int64_t n) {
  for (int64_t d = 0; d < n; ++d) out[d] += p * x[d];
}

// The query heads of one kv head at one position (batch b, position i, kv head kvh): they read
// the same key and value rows, so each row is loaded once for the whole group (grouped-query
// attention reads a third of the cache bytes that head-by-head attention does on SmolLM2).
void attend_group(const Shape& s, const float* q, const float* k, const float* v, const Tensor* mask, bool causal,
                  int64_t start_pos, float scale, int64_t b, int64_t i, int64_t kvh, float* out,
                  std::vector<float>& w) {
  const int64_t group = s.heads / s.kv_heads;
  const int64_t n = causal ? start_pos + i + 1 : s.keys;
  const float* qrows = q + ((b * s.seq + i) * s.heads + kvh * group) * s.dim;  // `group` rows
  const float* kbase = k + (b * s.keys * s.kv_heads + kvh) * s.dim;
  const float* vbase = v + (b * s.keys * s.kv_heads + kvh) * s.dim;
  const int64_t kstride = s.kv_heads * s.dim;
  w.resize(size_t(group * n + group));  // w[r * n + j]: query head r of the group, key j; then inv
  for (int64_t j = 0; j < n; ++j) {
    const float* krow = kbase + j * kstride;
    float add = 0.0f;
    if (mask) {
      if (mask->scalar_type() == ScalarType::Bool) {
        if (!mask->const_data_ptr<bool>()[i * s.keys + j]) add = -std::numeric_limits<float>::infinity();
      } else {
        add = mask->const_data_ptr<float>()[i * s.keys + j];
      }
    }
    for (int64_t r = 0; r < group; ++r) w[r * n + j] = dot(qrows + r * s.dim, krow, s.dim) * scale + add;
  }
  float* orows = out + ((b * s.seq + i) * s.heads + kvh * group) * s.dim;
  std::fill(orows, orows + group * s.dim, 0.0f);
  float* inv = w.data() + group * n;  // 1 / softmax denominator per query head; 0: nothing to attend to
  for (int64_t r = 0; r < group; ++r) {
    float* row = w.data() + r * n;
    const float top = *std::max_element(row, row + n);
    if (top == -std::numeric_limits<float>::infinity()) {
      std::fill(row, row + n, 0.0f);
      inv[r] = 0.0f;
      continue;
    }
    float sum = 0.0f;
    for (int64_t j = 0; j < n; ++j) sum += row[j] = std::exp(row[j] - top);
    inv[r] = 1.0f / sum;
  }
  for (int64_t j = 0; j < n; ++j) {
    const float* vrow = vbase + j * kstride;
    for (int64_t r = 0; r < group; ++r) axpy(w[r * n + j] * inv[r], vrow, orows + r * s.dim, s.dim);
  }
}

}  // namespace

Tensor& custom_sdpa_out(KernelRuntimeContext& ctx, const Tensor& q, const Tensor& k, const Tensor& v,
                        const int64_t start_pos, const std::optional<Tensor>& attn_mask, const double dropout_p,
                        const bool is_causal, const std::optional<double> scale, Tensor& out) {
  (void)dropout_p;  // inference: no dropout
  ET_KERNEL_CHECK(ctx, valid(q, k, v, attn_mask, is_causal, start_pos), InvalidArgument, out);
  ET_KERNEL_CHECK(ctx, executorch::runtime::resize_tensor(out, q.sizes()) == Error::Ok, InvalidArgument, out);
  const Shape s{q.size(0), q.size(1), q.size(2), k.size(2), q.size(3), k.size(1)};
  const float sc = scale.has_value() ? float(scale.value()) : float(1.0 / std::sqrt(double(s.dim)));
  const float* qd = q.const_data_ptr<float>();
  const float* kd = k.const_data_ptr<float>();
  const float* vd = v.const_data_ptr<float>();
  float* od = out.mutable_data_ptr<float>();
  const Tensor* mask = attn_mask.has_value() ? &attn_mask.value() : nullptr;
  const DecodeShape step{s.batch, s.heads, s.kv_heads, s.dim, s.keys};
  if (s.seq == 1 && is_causal && mask == nullptr && decode_attention_fits(step)) {
    decode_attention(step, qd, kd, vd, start_pos, sc, od);
    return out;
  }
  const int64_t groups = s.batch * s.seq * s.kv_heads;
  executorch::extension::parallel_for(0, groups, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> w;
    for (int64_t g = begin; g < end; ++g) {
      const int64_t kvh = g % s.kv_heads, i = (g / s.kv_heads) % s.seq, b = g / (s.kv_heads * s.seq);
      attend_group(s, qd, kd, vd, mask, is_causal, start_pos, sc, b, i, kvh, od, w);
    }
  });
  return out;
}

}  // namespace bluev::kernels

EXECUTORCH_LIBRARY(llama, "custom_sdpa.out", bluev::kernels::custom_sdpa_out);
