// See int8_attention.h: the split into work units, the thread pool, the merge.
#include "kernels/int8_attention.h"

#include "kernels/int8_attention_block.h"
#include "kernels/partials.h"

#include <executorch/runtime/kernel/thread_parallel_interface.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace bluev::kernels {

namespace {

using BlockKernel = decltype(&portable::attend_int8_block);

// The widest instruction set this CPU runs: the x86-64 wheels' baseline is SSE2.
BlockKernel block_kernel() {
#if defined(BLUEV_X86_ISAS)
  static const BlockKernel picked = [] {
    // BLUEV_INT8_ATTENTION_ISA=avx2 or portable: a narrower one, for tests on a wider CPU.
    const char* forced = std::getenv("BLUEV_INT8_ATTENTION_ISA");
    if (forced != nullptr && std::strcmp(forced, "portable") == 0) return &portable::attend_int8_block;
    __builtin_cpu_init();
    const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (forced != nullptr && std::strcmp(forced, "avx2") == 0 && avx2) return &avx2::attend_int8_block;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl")) {
      return &avx512::attend_int8_block;
    }
    if (avx2) return &avx2::attend_int8_block;
    return &portable::attend_int8_block;
  }();
  return picked;
#else
  return &portable::attend_int8_block;
#endif
}

// Query vectors per unit: 32 fill two AVX-512 vectors (8 prefill rows of a 4-head group).
constexpr int64_t kVectorsPerUnit = 32;
// Keys split at multiples of this (a split of a unit's keys is whole tiles).
constexpr int64_t kSplitKeys = 256;

// out = acc / sum for one query vector's single partial.
void finish(const float* part, int64_t dim, float* out) {
  const float inv = 1.0f / part[1];
  for (int64_t d = 0; d < dim; ++d) out[d] = part[2 + d] * inv;
}

}  // namespace

bool int8_attention_fits(const Int8AttentionShape& s) {
  return s.batch > 0 && s.seq > 0 && s.kv_heads > 0 && s.heads % s.kv_heads == 0 && s.dim > 0 && s.dim <= 512;
}

void int8_attention(const Int8AttentionShape& s, const Int8AttentionInputs& in, int64_t start_pos, float scale,
                    float* out) {
  const int64_t group = s.heads / s.kv_heads;
  const int64_t rows_per_unit = std::max<int64_t>(1, kVectorsPerUnit / group);
  const int64_t row_blocks = (s.seq + rows_per_unit - 1) / rows_per_unit;
  const int64_t keys = start_pos + s.seq;  // the last row's
  // Enough units for the pool (4 a thread: their sizes differ with causality); when the rows
  // and kv heads give fewer, each one's keys are split too.
  const int64_t base = s.batch * s.kv_heads * row_blocks;
  const int64_t want = 4 * std::max<int64_t>(1, executorch::extension::get_thread_count());
  const int64_t pieces = (keys + kSplitKeys - 1) / kSplitKeys;
  const int64_t splits = base >= want ? 1 : std::min(pieces, (want + base - 1) / base);
  const int64_t split_keys = (pieces + splits - 1) / splits * kSplitKeys;
  const int64_t units = base * splits;
  const int64_t vectors = rows_per_unit * group;  // per unit, at most
  const int64_t part_floats = s.dim + 2;
  const int64_t q_stride = s.heads * s.dim;
  const int64_t kv_stride = s.kv_heads * s.dim;
  // Split partials are kept per calling thread across calls (every unit writes all of its
  // vectors'); the pool's threads reach them through `partials`.
  thread_local std::vector<float> partial;
  if (splits > 1) partial.resize(size_t(units * vectors * part_floats));
  float* partials = partial.data();
  const BlockKernel kernel = block_kernel();
  // Unit u = ((b * row_blocks + rb) * splits + sp) * Hkv + kvh: the kv heads of a piece of keys
  // are neighbours, so a thread's contiguous range streams whole cache rows.
  executorch::extension::parallel_for(0, units, 1, [&](int64_t begin, int64_t end) {
    thread_local std::vector<float> own;
    for (int64_t u = begin; u < end; ++u) {
      const int64_t kvh = u % s.kv_heads;
      const int64_t sp = (u / s.kv_heads) % splits;
      const int64_t rb = (u / (s.kv_heads * splits)) % row_blocks;
      const int64_t b = u / (s.kv_heads * splits * row_blocks);
      const int64_t row0 = rb * rows_per_unit;
      const int64_t rows = std::min(rows_per_unit, s.seq - row0);
      Int8Block blk;
      const int64_t q_row = (b * s.seq + row0) * s.heads + kvh * group;  // (b, row0, first head)
      blk.q = in.q + q_row * s.dim;
      blk.q_scales = in.q_scales + q_row;
      blk.q_zeros = in.q_zeros + q_row;
      blk.rows = rows;
      blk.group = group;
      blk.dim = s.dim;
      blk.q_stride = q_stride;
      blk.qp_stride = s.heads;
      const int64_t kv_row = b * s.cache_len * s.kv_heads + kvh;  // (b, 0, kvh)
      blk.k = in.k + kv_row * s.dim;
      blk.v = in.v + kv_row * s.dim;
      blk.k_scales = in.k_scales + kv_row;
      blk.k_zeros = in.k_zeros + kv_row;
      blk.v_scales = in.v_scales + kv_row;
      blk.v_zeros = in.v_zeros + kv_row;
      blk.kv_stride = kv_stride;
      blk.kvp_stride = s.kv_heads;
      blk.first_limit = start_pos + row0 + 1;
      const int64_t block_keys = start_pos + row0 + rows;
      blk.j0 = std::min(block_keys, sp * split_keys);
      blk.j1 = std::min(block_keys, (sp + 1) * split_keys);
      blk.scale = scale;
      if (splits > 1) {
        kernel(blk, partials + u * vectors * part_floats);
        continue;
      }
      own.resize(size_t(vectors * part_floats));
      kernel(blk, own.data());
      for (int64_t m = 0; m < rows * group; ++m) {
        const int64_t i = m / group, r = m % group;
        finish(own.data() + m * part_floats, s.dim, out + (q_row + i * s.heads + r) * s.dim);
      }
    }
  });
  if (splits == 1) return;
  // The pieces of query vector m of (b, rb, kvh) sit at units (b, rb, 0 .. splits, kvh).
  for (int64_t b = 0; b < s.batch; ++b) {
    for (int64_t rb = 0; rb < row_blocks; ++rb) {
      const int64_t row0 = rb * rows_per_unit;
      const int64_t rows = std::min(rows_per_unit, s.seq - row0);
      for (int64_t kvh = 0; kvh < s.kv_heads; ++kvh) {
        const int64_t first = ((b * row_blocks + rb) * splits) * s.kv_heads + kvh;
        for (int64_t m = 0; m < rows * group; ++m) {
          const int64_t i = m / group, r = m % group;
          const int64_t q_row = (b * s.seq + row0 + i) * s.heads + kvh * group + r;
          merge_partials(partials + (first * vectors + m) * part_floats, splits, s.kv_heads * vectors * part_floats, s.dim,
                out + q_row * s.dim);
        }
      }
    }
  }
}

}  // namespace bluev::kernels
