// bluev-gemv-probe: how fast a hand-written one-row 4-bit linear reads on this x86 machine, beside
// the roofline's plain read of the same bytes, to tell the memory's limit from a kernel's (docs/results.md,
// "Decode against the read roofline"). The decode step's linears are y = W x with W [N, K] in
// 4-bit groups of 32 along K (a scale and a minimum per group and column, 8-bit dynamic
// activations): the shape and storage of the default recipe's linears, which XNNPACK runs in
// the programs. Nothing here runs in a program; it is the ceiling such a kernel could reach.
//
//   bluev-gemv-probe [K N [THREADS [STREAMS [SECONDS]]]]    default 2560 200000 2 4 2
//
// One JSON line: the kernel's best pass as GOP/s (2 K N per pass, gemm_probe.py's unit) and
// GB/s of the bytes it streams (nibbles + fp16 scales and minima), and the read pass's GB/s.
// The kernel is checked against a double-precision reference on a small shape first. Each thread
// takes a contiguous share of the columns and walks STREAMS tiles of 16 at once: on the
// 2026-12-03 Xeon one sequential stream per core kept too few reads in flight (19.4 GB/s for
// the kernel, 24.2 for the read; four: 27.4 and 30.0).
//
// Layout, one 320-byte block per (16 columns, group of 32): four 64-byte vectors whose byte
// 4c+s holds column c's k = 4j+s in its low nibble and k = 16+4j+s in its high one (j: the
// vector), so one VPDPBUSD multiplies 4 k of 16 columns; then 16 fp16 scales and 16 fp16 minima.
// The weight nibble is unsigned (0..15), the activation signed: sum_k w x = scale * dot + min *
// sum_k x per group, so the minimum costs one multiply-add a group, not a subtraction per weight.
#include <immintrin.h>

#include "kernels/read_probe.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <thread>
#include <vector>

namespace {

constexpr int kGroup = 32;
constexpr int kCols = 16;  // one zmm of int32 / float lanes
constexpr int kWeightBytes = kCols * kGroup / 2;
constexpr int kBlockBytes = kWeightBytes + 2 * kCols * 2;  // + fp16 scales and minima

struct Weights {
  int k = 0, n = 0;
  std::vector<uint8_t> blocks;                           // [n / 16][k / 32] blocks
  std::vector<uint8_t> q;                                // [n][k] nibbles, for the reference
  std::vector<float> scale, minimum;                     // [n][k / 32], fp16-rounded
  size_t bytes() const { return blocks.size(); }
};

// Random weights in the block layout, and the same values unpacked for the reference.
__attribute__((target("f16c"))) Weights make_weights(int k, int n, uint32_t seed) {
  Weights w;
  w.k = k, w.n = n;
  const int groups = k / kGroup;
  w.blocks.assign(size_t(n / kCols) * groups * kBlockBytes, 0);
  w.q.resize(size_t(n) * k);
  w.scale.resize(size_t(n) * groups);
  w.minimum.resize(size_t(n) * groups);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> nibble(0, 15);
  std::uniform_real_distribution<float> uniform(0.5f, 1.5f);
  for (auto& v : w.q) v = uint8_t(nibble(rng));
  for (size_t i = 0; i < w.scale.size(); ++i) {
    w.scale[i] = _cvtsh_ss(_cvtss_sh(uniform(rng) * 0.01f, 0));
    w.minimum[i] = _cvtsh_ss(_cvtss_sh(-8.0f * w.scale[i], 0));
  }
  for (int t = 0; t < n / kCols; ++t) {
    for (int g = 0; g < groups; ++g) {
      uint8_t* block = &w.blocks[(size_t(t) * groups + g) * kBlockBytes];
      for (int c = 0; c < kCols; ++c) {
        const size_t col = size_t(t) * kCols + c;
        for (int j = 0; j < 4; ++j) {
          for (int s = 0; s < 4; ++s) {
            const uint8_t lo = w.q[col * k + g * kGroup + 4 * j + s];
            const uint8_t hi = w.q[col * k + g * kGroup + 16 + 4 * j + s];
            block[64 * j + 4 * c + s] = uint8_t(lo | (hi << 4));
          }
        }
        auto* halves = reinterpret_cast<uint16_t*>(block + kWeightBytes);
        halves[c] = _cvtss_sh(w.scale[col * groups + g], 0);
        halves[kCols + c] = _cvtss_sh(w.minimum[col * groups + g], 0);
      }
    }
  }
  return w;
}

struct Activations {
  std::vector<int8_t> q;  // [k]
  std::vector<float> group_sums;  // [k / 32]: sum of q over each group
  float scale = 0;
};

Activations quantize(const std::vector<float>& x) {
  Activations a;
  float top = 0;
  for (float v : x) top = std::max(top, std::fabs(v));
  a.scale = top > 0 ? top / 127.0f : 1.0f;
  a.q.resize(x.size());
  a.group_sums.assign(x.size() / kGroup, 0);
  for (size_t i = 0; i < x.size(); ++i) {
    a.q[i] = int8_t(std::lrintf(x[i] / a.scale));
    a.group_sums[i / kGroup] += a.q[i];
  }
  return a;
}

// One group of 32 k for 16 columns: acc += scale * dot + min * sum(x), x still in steps of its scale.
__attribute__((target("avx512f,avx512bw,avx512vnni,f16c"), always_inline)) inline __m512 group_step(
    const uint8_t* block, const int32_t* xg, float group_sum, __m512 acc) {
  const __m512i low = _mm512_set1_epi8(0x0F);
  __m512i dot[4];
  for (int j = 0; j < 4; ++j) {
    const __m512i packed = _mm512_loadu_si512(block + 64 * j);
    const __m512i lo = _mm512_and_si512(packed, low);
    const __m512i hi = _mm512_and_si512(_mm512_srli_epi16(packed, 4), low);
    dot[j] = _mm512_dpbusd_epi32(_mm512_setzero_si512(), lo, _mm512_set1_epi32(xg[j]));
    dot[j] = _mm512_dpbusd_epi32(dot[j], hi, _mm512_set1_epi32(xg[4 + j]));
  }
  const __m512i sum = _mm512_add_epi32(_mm512_add_epi32(dot[0], dot[1]), _mm512_add_epi32(dot[2], dot[3]));
  const auto* halves = reinterpret_cast<const __m256i*>(block + kWeightBytes);
  const __m512 scale = _mm512_cvtph_ps(_mm256_loadu_si256(halves));
  const __m512 minimum = _mm512_cvtph_ps(_mm256_loadu_si256(halves + 1));
  acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum), scale, acc);
  return _mm512_fmadd_ps(minimum, _mm512_set1_ps(group_sum), acc);
}

// Columns [first, last) in 16s, kStreams tiles at a time: each its own sequential stream, so
// that one core keeps more cache-line reads in flight than one stream's prefetcher does.
template <int kStreams>
__attribute__((target("avx512f,avx512bw,avx512vnni,f16c"))) void gemv_tiles(
    const Weights& w, const Activations& a, int first, int last, float* y) {
  const int groups = w.k / kGroup;
  const size_t per_tile = size_t(groups) * kBlockBytes;
  const auto* x = reinterpret_cast<const int32_t*>(a.q.data());  // 4 activations a lane
  int t = first / kCols;
  for (; t + kStreams <= last / kCols; t += kStreams) {
    __m512 acc[kStreams];
    for (int i = 0; i < kStreams; ++i) acc[i] = _mm512_setzero_ps();
    const uint8_t* block = &w.blocks[size_t(t) * per_tile];
    for (int g = 0; g < groups; ++g, block += kBlockBytes) {
      for (int i = 0; i < kStreams; ++i) {
        acc[i] = group_step(block + i * per_tile, x + g * kGroup / 4, a.group_sums[g], acc[i]);
      }
    }
    for (int i = 0; i < kStreams; ++i) {
      _mm512_storeu_ps(y + size_t(t + i) * kCols, _mm512_mul_ps(acc[i], _mm512_set1_ps(a.scale)));
    }
  }
  for (; t < last / kCols; ++t) {
    __m512 acc = _mm512_setzero_ps();
    const uint8_t* block = &w.blocks[size_t(t) * per_tile];
    for (int g = 0; g < groups; ++g, block += kBlockBytes) {
      acc = group_step(block, x + g * kGroup / 4, a.group_sums[g], acc);
    }
    _mm512_storeu_ps(y + size_t(t) * kCols, _mm512_mul_ps(acc, _mm512_set1_ps(a.scale)));
  }
}

// One pass over all columns on `threads` threads (the calling one included).
template <typename Pass>
void across_threads(int n, int threads, Pass pass) {
  const int tiles = n / kCols;
  std::vector<std::thread> helpers;
  for (int i = 1; i < threads; ++i) {
    helpers.emplace_back([=] { pass(tiles * i / threads * kCols, tiles * (i + 1) / threads * kCols); });
  }
  pass(0, tiles / threads * kCols);
  for (auto& h : helpers) h.join();
}

// Seconds of the fastest of at least 3 calls of `once` over at least `seconds`.
template <typename Once>
double best_seconds(double seconds, Once once) {
  double best = 1e30, spent = 0;
  for (int i = 0; i < 3 || spent < seconds; ++i) {
    const auto began = std::chrono::steady_clock::now();
    once();
    const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    best = std::min(best, t), spent += t;
  }
  return best;
}

using Tiles = void (*)(const Weights&, const Activations&, int, int, float*);

// The kernel against sum_k x_k (scale * q + min) in double, x dequantized as the kernel sees it;
// 5 tiles, so that a run of kStreams tiles and the remainder are both checked.
bool matches_reference(Tiles kernel, int threads) {
  const int k = 256, n = 80;
  const Weights w = make_weights(k, n, 7);
  std::vector<float> x(k);
  std::mt19937 rng(3);
  std::normal_distribution<float> normal;
  for (auto& v : x) v = normal(rng);
  const Activations a = quantize(x);
  std::vector<float> y(n);
  across_threads(n, threads, [&](int first, int last) { kernel(w, a, first, last, y.data()); });
  for (int col = 0; col < n; ++col) {
    double want = 0;
    for (int i = 0; i < k; ++i) {
      const size_t g = size_t(col) * (k / kGroup) + i / kGroup;
      want += double(a.q[i]) * a.scale * (double(w.scale[g]) * w.q[size_t(col) * k + i] + w.minimum[g]);
    }
    if (std::fabs(y[col] - want) > 1e-4 * (1 + std::fabs(want))) {
      std::fprintf(stderr, "column %d: kernel %g, reference %g\n", col, y[col], want);
      return false;
    }
  }
  return true;
}

constexpr int kMaxStreams = 4;
constexpr Tiles kKernels[kMaxStreams] = {gemv_tiles<1>, gemv_tiles<2>, gemv_tiles<3>, gemv_tiles<4>};

}  // namespace

int main(int argc, char** argv) {
  const int k = argc > 1 ? std::atoi(argv[1]) : 2560;
  const int n = argc > 2 ? std::atoi(argv[2]) : 200000;
  const int threads = argc > 3 ? std::atoi(argv[3]) : 2;
  const int streams = argc > 4 ? std::atoi(argv[4]) : kMaxStreams;
  const double seconds = argc > 5 ? std::atof(argv[5]) : 2.0;
  if (k <= 0 || n <= 0 || k % kGroup || n % kCols || threads < 1 || streams < 1 || streams > kMaxStreams) {
    std::fprintf(stderr, "usage: %s [K N [THREADS [STREAMS [SECONDS]]]]: K a multiple of 32, N of 16, "
                 "STREAMS 1-%d\n", argv[0], kMaxStreams);
    return 2;
  }
  if (!__builtin_cpu_supports("avx512vnni") || !__builtin_cpu_supports("avx512bw")) {
    std::fprintf(stderr, "%s: this CPU has no AVX512-VNNI\n", argv[0]);
    return 2;
  }
  const Tiles kernel = kKernels[streams - 1];
  if (!matches_reference(kernel, threads)) return 1;
  const Weights w = make_weights(k, n, 1);
  std::vector<float> x(k, 0.5f), y(n);
  const Activations a = quantize(x);
  const double computed = best_seconds(seconds, [&] {
    across_threads(n, threads, [&](int first, int last) { kernel(w, a, first, last, y.data()); });
  });
  // the roofline's own native read (src/kernels/read_probe.cpp), same threads and streams
  const double read = best_seconds(seconds, [&] { bluev_read_pass(w.blocks.data(), w.bytes(), threads, streams); });
  std::printf(
      "{\"k\": %d, \"n\": %d, \"threads\": %d, \"streams\": %d, \"group\": %d, \"bytes\": %zu, "
      "\"kernel_gop_s\": %.1f, \"kernel_gb_s\": %.2f, \"read_gb_s\": %.2f}\n",
      k, n, threads, streams, kGroup, w.bytes(), 2.0 * k * n / computed / 1e9, w.bytes() / computed / 1e9,
      w.bytes() / read / 1e9);
  return 0;
}
