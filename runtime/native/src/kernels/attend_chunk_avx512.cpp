// decode_attention's chunk kernel for AVX512 (flags in CMakeLists.txt).
#define BLUEV_ISA avx512
#include "kernels/attend_chunk.inc"
