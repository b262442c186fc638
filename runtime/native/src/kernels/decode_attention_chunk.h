// The inner kernel of decode_attention, compiled once per instruction set (attend_chunk.inc).
#pragma once

#include <cstdint>

namespace bluev::kernels {

// Keys per work unit: 256 K and V rows of one kv head (64 KB each at D = 64) stay in L2
// between the score pass and the value pass; a 7285-position cache gives 29 units per kv head.
// A multiple of every build's vector width.
constexpr int64_t kChunk = 256;

// The head sizes the kernel is instantiated for (its query row and accumulators in registers).
constexpr int64_t kHeadDims[] = {16, 32, 64, 128, 256};

// One chunk [j0, j1) of one kv head's cache (rows `stride` floats apart) against the `group`
// query heads that read it (q: group rows of dim). Leaves, per query head r, partial[r * (dim + 2)]
// = the chunk's maximum score, [+1] = the sum of e^(score - maximum), [+2 ..] = that sum's
// weighted V rows. `scores`: kChunk floats of scratch.
#define BLUEV_DECLARE_CHUNK_KERNEL(isa)                                                                  \
  namespace isa {                                                                                      \
  void attend_chunk(const float* q, const float* k, const float* v, int64_t stride, int64_t dim,        \
                    int64_t group, int64_t j0, int64_t j1, float scale, float* scores, float* partial); \
  }
BLUEV_DECLARE_CHUNK_KERNEL(portable)
#if defined(BLUEV_X86_ISAS)
BLUEV_DECLARE_CHUNK_KERNEL(avx2)
BLUEV_DECLARE_CHUNK_KERNEL(avx512)
#endif
#undef BLUEV_DECLARE_CHUNK_KERNEL

}  // namespace bluev::kernels
