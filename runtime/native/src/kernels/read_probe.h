// The read-bandwidth probe's native pass (read_probe.cpp): for benchmarks/host/roofline.py through
// the host kernel library, and for bluev-gemv-probe (tools/gemv_probe.cpp).
#pragma once

#include <cstddef>
#include <cstdint>

// One pass over `bytes` (whole 64-byte lines) at `data` by `threads` threads, each walking
// `streams` neighbouring 16 KB chunks of its share at once; returns a fold of what was read, so
// that the reads cannot be dropped. 0 threads or streams outside 1-16: nothing is read, returns 0.
extern "C" __attribute__((visibility("default"))) uint64_t bluev_read_pass(const uint8_t* data, size_t bytes,
                                                                            int threads, int streams);
