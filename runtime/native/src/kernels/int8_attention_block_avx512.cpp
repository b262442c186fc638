// int8_attention's unit kernel for AVX512 (flags in CMakeLists.txt).
#define BLUEV_ISA avx512
#include "kernels/int8_attention_block.inc"
