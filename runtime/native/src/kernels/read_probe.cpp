// The read-bandwidth probe's native pass (benchmarks/host/roofline.py): every byte of a buffer read
// once by `threads` threads, each walking `streams` neighbouring 16 KB chunks of its share side by
// side. torch's sum, the probe's other pass, walks one sequential stream per thread, which on the
// 2026-12-03 Xeon kept too few reads in flight per core: 24.5 GB/s against 29-31 with 4-8
// streams, five alternations (and a 4-bit linear of four streams read 29.1, past the roof
// torch's pass set: bluev-gemv-probe).
#include "kernels/read_probe.h"

#include <cstring>
#include <thread>
#include <vector>

namespace bluev::kernels {
namespace {

constexpr size_t kLine = 64;
constexpr int kMaxStreams = 16;
constexpr size_t kChunkLines = 256;  // 16 KB: the streams walk neighbouring chunks, a run at a time
typedef uint64_t Line __attribute__((vector_size(kLine)));

#if defined(__x86_64__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
uint64_t read_share(const uint8_t* begin, size_t lines, int streams) {
  Line acc[kMaxStreams] = {};
  const size_t run = streams * kChunkLines;
  size_t done = 0;
  for (; done + run <= lines; done += run) {  // `streams` neighbouring chunks at a time
    const uint8_t* chunk = begin + done * kLine;
    for (size_t i = 0; i < kChunkLines; ++i) {
      for (int s = 0; s < streams; ++s) {
        Line line;
        std::memcpy(&line, chunk + (s * kChunkLines + i) * kLine, kLine);
        acc[s] ^= line;
      }
    }
  }
  for (; done < lines; ++done) {  // the lines the last run left over
    Line line;
    std::memcpy(&line, begin + done * kLine, kLine);
    acc[0] ^= line;
  }
  for (int s = 1; s < streams; ++s) acc[0] ^= acc[s];
  uint64_t fold = 0;
  for (size_t i = 0; i < kLine / sizeof(uint64_t); ++i) fold ^= acc[0][i];
  return fold;
}

}  // namespace
}  // namespace bluev::kernels

extern "C" uint64_t bluev_read_pass(const uint8_t* data, size_t bytes, int threads, int streams) {
  using bluev::kernels::kLine;
  if (threads < 1 || streams < 1 || streams > bluev::kernels::kMaxStreams) return 0;
  const size_t lines = bytes / kLine;
  std::vector<uint64_t> folds(threads);
  std::vector<std::thread> helpers;
  auto share = [&](int t) {
    const size_t first = lines * t / threads, last = lines * (t + 1) / threads;
    folds[t] = bluev::kernels::read_share(data + first * kLine, last - first, streams);
  };
  for (int t = 1; t < threads; ++t) helpers.emplace_back(share, t);
  share(0);
  for (auto& h : helpers) h.join();
  uint64_t fold = 0;
  for (uint64_t f : folds) fold ^= f;
  return fold;
}
