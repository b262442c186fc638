// decode_attention's chunk kernel for AVX2 (flags in CMakeLists.txt).
#define BLUEV_ISA avx2
#include "kernels/attend_chunk.inc"
