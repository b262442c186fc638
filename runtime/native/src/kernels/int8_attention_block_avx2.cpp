// int8_attention's unit kernel for AVX2 (flags in CMakeLists.txt).
#define BLUEV_ISA avx2
#include "kernels/int8_attention_block.inc"
