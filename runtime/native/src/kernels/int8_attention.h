// Attention on an int8 KV cache: llama::custom_quantized_sdpa.out's calls from the LLM programs
// exported with `--kv-cache int8` (export/llm.py, int8_cache_attention), beside ExecuTorch's own
// kernel (quantized_sdpa.cpp says how the two coexist).
//
// ExecuTorch's kernel dequantizes tile after tile through its blocked flash attention and runs
// every query head over the cache on its own: 5.6 ms a layer at position 1400 of a 2.7B model's
// decode step. Here each work unit takes the query rows of one kv head's group (the heads that
// read the same K/V rows) for a block of query rows, so a K/V row is widened from int8 once per
// unit, and walks its keys in tiles with an online softmax:
//   q        = (q8 - qz) * qs, once per query row (and its sum over d)
//   score[t] = ks[t] * (q . k8[t] - kz[t] * sum_d q) * scale
//   out      = sum_t p[t] vs[t] v8[t] - sum_t p[t] vs[t] vz[t], over the softmax p of the scores
// Units spread over ExecuTorch's thread pool; when there are too few (a decode step with few kv
// heads) each one's keys are split too and the pieces merged by their log-sum-exp.
#pragma once

#include <cstdint>

namespace bluev::kernels {

struct Int8AttentionShape {
  int64_t batch;      // B
  int64_t seq;        // S: query rows
  int64_t heads;      // Hq, a multiple of kv_heads
  int64_t kv_heads;   // Hkv
  int64_t dim;        // D
  int64_t cache_len;  // T: rows of the cache (its capacity)
};

// The call's tensors, all contiguous: q [B, S, Hq, D] with its scales and zero points
// [B, S, Hq, 1]; k, v [B, T, Hkv, D] with theirs [B, T, Hkv, 1].
struct Int8AttentionInputs {
  const int8_t* q;
  const float* q_scales;
  const int8_t* q_zeros;
  const int8_t* k;
  const float* k_scales;
  const int8_t* k_zeros;
  const int8_t* v;
  const float* v_scales;
  const int8_t* v_zeros;
};

// Whether int8_attention takes this shape (Hq a multiple of Hkv > 0, D in 1 .. 512).
bool int8_attention_fits(const Int8AttentionShape& s);

// Causal attention: query row i (position start_pos + i) attends to cache rows 0 .. start_pos + i;
// needs start_pos + S <= T. out [B, S, Hq, D] float32. Uses ExecuTorch's thread pool.
void int8_attention(const Int8AttentionShape& s, const Int8AttentionInputs& in, int64_t start_pos, float scale,
                    float* out);

}  // namespace bluev::kernels
