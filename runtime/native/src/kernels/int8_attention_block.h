// The inner kernel of int8_attention (int8_attention.h), compiled once per instruction set
// (int8_attention_block.inc).
#pragma once

#include <cstdint>

namespace bluev::kernels {

// One work unit: the query vectors m = i * group + r (rows i in 0 .. rows, heads r of one kv
// head's group) against keys [j0, j1) of that kv head. Pointers are at the unit's first query
// row / first head and at the kv head's cache row 0; strides in elements.
struct Int8Block {
  const int8_t* q;  // + i * q_stride + r * dim
  const float* q_scales;  // + i * qp_stride + r
  const int8_t* q_zeros;
  int64_t rows, group, dim, q_stride, qp_stride;
  const int8_t* k;  // + t * kv_stride
  const int8_t* v;
  const float* k_scales;  // + t * kvp_stride
  const int8_t* k_zeros;
  const float* v_scales;
  const int8_t* v_zeros;
  int64_t kv_stride, kvp_stride;
  int64_t first_limit;  // keys row 0 attends (start_pos + row + 1); row i attends first_limit + i
  int64_t j0, j1;       // this unit's keys, j1 <= first_limit + rows - 1
  float scale;
};

// Leaves, per query vector m, partial[m * (dim + 2)] = its largest score over the unit's keys
// (-1e30 when it attends none of them), [+1] = the sum of e^(score - largest), [+2 ..] = that
// sum's weighted dequantized V rows.
#define BLUEV_DECLARE_INT8_BLOCK(isa)                      \
  namespace isa {                                          \
  void attend_int8_block(const Int8Block& b, float* partial); \
  }
BLUEV_DECLARE_INT8_BLOCK(portable)
#if defined(BLUEV_X86_ISAS)
BLUEV_DECLARE_INT8_BLOCK(avx2)
BLUEV_DECLARE_INT8_BLOCK(avx512)
#endif
#undef BLUEV_DECLARE_INT8_BLOCK

}  // namespace bluev::kernels
