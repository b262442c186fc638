// The split-K softmax merge shared by the attention kernels (decode_attention.cpp,
// int8_attention.cpp): pieces of one query vector's keys, each kept as (max m, sum l, acc[D]).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace bluev::kernels {

// `parts` partials of D + 2 floats, `stride` floats apart: out = sum_c acc_c e^(m_c - M) /
// sum_c l_c e^(m_c - M). A piece with l = 0 (keys this vector does not attend) adds nothing.
inline void merge_partials(const float* partial, int64_t parts, int64_t stride, int64_t dim, float* out) {
  float top = partial[0];
  for (int64_t c = 1; c < parts; ++c) top = std::max(top, partial[c * stride]);
  float sum = 0.0f;
  std::fill(out, out + dim, 0.0f);
  for (int64_t c = 0; c < parts; ++c) {
    const float* part = partial + c * stride;
    if (part[1] == 0.0f) continue;
    const float w = std::exp(part[0] - top);
    sum += part[1] * w;
    for (int64_t d = 0; d < dim; ++d) out[d] += w * part[2 + d];
  }
  const float inv = 1.0f / sum;
  for (int64_t d = 0; d < dim; ++d) out[d] *= inv;
}

}  // namespace bluev::kernels
