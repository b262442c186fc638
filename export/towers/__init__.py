"""Vision towers and connectors of other VLM families, in the forms XNNPACK delegates.

Each wraps transformers' own submodules and weights (SigLIP's lives in export/vision.py):
idefics3.py for SmolVLM / Idefics3, internvit.py for InternVL. A tower maps normalised
tiles [B, 3, S, S] to patch features [B, N, width]; its connector maps those to LLM
embeddings [B * tokens_per_tile, D], as export/programs.py's vision and projector
programs expect.
"""
