// int8_attention's unit kernel for this build target (flags in CMakeLists.txt).
#define BLUEV_ISA portable
#include "kernels/int8_attention_block.inc"
