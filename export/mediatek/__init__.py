"""`bluev export --backend mediatek`: static NPU programs, PT2E-quantized, lowered with NeuroPilot."""
