// See decode_attention.h: the split of the cache into work units, the thread pool, the merge.
#include "kernels/decode_attention.h"

#include "kernels/decode_attention_chunk.h"
#include "kernels/partials.h"

#include <executorch/runtime/kernel/thread_parallel_interface.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace bluev::kernels {

namespace {

using ChunkKernel = decltype(&portable::attend_chunk);

// The widest instruction set this CPU runs: the x86-64 wheels' baseline is SSE2.
ChunkKernel chunk_kernel() {
#if defined(BLUEV_X86_ISAS)
  static const ChunkKernel picked = [] {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl")) {
      return &avx512::attend_chunk;
    }
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return &avx2::attend_chunk;
    return &portable::attend_chunk;
  }();
  return picked;
#else
  return &portable::attend_chunk;
#endif
}

}  // namespace

bool decode_attention_fits(const DecodeShape& s) {
  return std::find(std::begin(kHeadDims), std::end(kHeadDims), s.dim) != std::end(kHeadDims) &&
         s.kv_heads > 0 && s.heads % s.kv_heads == 0;
}

void decode_attention(const DecodeShape& s, const float* q, const float* k, const float* v, int64_t pos,
                      float scale, float* out) {
  const int64_t group = s.heads / s.kv_heads;
  const int64_t keys = pos + 1;
  const int64_t chunks = (keys + kChunk - 1) / kChunk;
  const int64_t stride = s.kv_heads * s.dim;
  // Unit u = (b * chunks + c) * Hkv + kvh holds `group` partials of D + 2 floats. The kv heads
  // of a chunk are neighbours: the pool hands each thread a contiguous range of units, so each
  // streams whole cache rows (all kv heads of its positions) instead of every other 256 bytes.
  const int64_t unit_floats = group * (s.dim + 2);
  const int64_t units = s.batch * s.kv_heads * chunks;
  // Kept per calling thread across calls (24 layers a step): every unit writes all of its
  // floats, so neither buffer needs clearing.
  // (The pool's threads reach it through `partials`: inside the lambda the name would mean
  // each worker's own, empty, copy.)
  thread_local std::vector<float> partial;
  partial.resize(size_t(units * unit_floats));
  float* partials = partial.data();
  const ChunkKernel kernel = chunk_kernel();
  executorch::extension::parallel_for(0, units, 1, [&](int64_t begin, int64_t end) {
    thread_local std::vector<float> scores(static_cast<size_t>(kChunk));  // one query head's
    for (int64_t u = begin; u < end; ++u) {
      const int64_t kvh = u % s.kv_heads, c = (u / s.kv_heads) % chunks, b = u / (chunks * s.kv_heads);
      const float* qg = q + (b * s.heads + kvh * group) * s.dim;
      const float* kb = k + b * s.cache_len * stride + kvh * s.dim;
      const float* vb = v + b * s.cache_len * stride + kvh * s.dim;
      kernel(qg, kb, vb, stride, s.dim, group, c * kChunk, std::min(keys, (c + 1) * kChunk), scale, scores.data(),
             partials + u * unit_floats);
    }
  });
  // Partials of query head h (= kvh * group + r) sit at units (b, 0 .. chunks, kvh), offset r.
  for (int64_t b = 0; b < s.batch; ++b) {
    for (int64_t h = 0; h < s.heads; ++h) {
      const int64_t kvh = h / group, r = h % group;
      const float* first = partials + (b * chunks * s.kv_heads + kvh) * unit_floats + r * (s.dim + 2);
      merge_partials(first, chunks, s.kv_heads * unit_floats, s.dim, out + (b * s.heads + h) * s.dim);
    }
  }
}

}  // namespace bluev::kernels
