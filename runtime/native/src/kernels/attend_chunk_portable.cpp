// decode_attention's chunk kernel for this build target (flags in CMakeLists.txt).
#define BLUEV_ISA portable
#include "kernels/attend_chunk.inc"
