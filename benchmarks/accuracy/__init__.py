"""`bluev quant-report`: what a quantization recipe costs in accuracy and saves in size."""
