// Attention for one new position against the KV cache: the decode step's custom_sdpa.
//
// ExecuTorch's custom_sdpa runs its blocked flash attention for a single query row too: every
// query head walks the whole cache in tiles through a general GEMM, so grouped heads read the
// same K/V rows again and a 7285-position step spends 62 of its 81 ms there (OneVision-0.5B
// shape, tools/profile_decode.py). A decode step needs one pass over the filled cache per kv
// head: each K row is dotted with the group's query rows while it is in cache, each V row added
// into their outputs, and the cache split into chunks across threads with a log-sum-exp merge
// (split-K), so that two threads are busy even with one kv head.
#pragma once

#include <cstdint>

namespace bluev::kernels {

struct DecodeShape {
  int64_t batch;      // B
  int64_t heads;      // Hq, a multiple of kv_heads
  int64_t kv_heads;   // Hkv
  int64_t dim;        // D
  int64_t cache_len;  // T: rows of the cache (its capacity)
};

// Whether decode_attention takes this shape: D of 16, 32, 64, 128 or 256 (whole vectors held
// in registers), Hq a multiple of Hkv.
bool decode_attention_fits(const DecodeShape& s);

// q [B, 1, Hq, D] at position `pos` attends causally to rows 0 .. pos of k, v [B, T, Hkv, D];
// out [B, 1, Hq, D]. All float32, contiguous. Uses ExecuTorch's thread pool.
void decode_attention(const DecodeShape& s, const float* q, const float* k, const float* v, int64_t pos,
                      float scale, float* out);

}  // namespace bluev::kernels
