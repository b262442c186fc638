"""Print how many frames and image tokens SmolVLM-256M's and InternVL3's own processors make per picture size.

Runs transformers' Pil image processors, with the published checkpoints' settings, on
blank pictures: the table in docs/families-notes.md. No weights are involved.

Usage: python tools/family_token_counts.py [WxH ...]
"""

from __future__ import annotations

import sys

from PIL import Image
from transformers import GotOcr2ImageProcessorPil, Idefics3ImageProcessorPil

SIZES = ["1920x1080", "900x500", "394x390", "380x76", "1080x1920"]
SMOLVLM_TOKENS_PER_FRAME = 64  # SmolVLM-256M-Instruct's processor_config.json image_seq_len
INTERNVL_TOKENS_PER_TILE = 256  # InternVL3-1B-hf's image_seq_length

smolvlm = Idefics3ImageProcessorPil(
    size={"longest_edge": 2048},
    max_image_size={"longest_edge": 512},
    resample=1,
    image_mean=[0.5] * 3,
    image_std=[0.5] * 3,
)
internvl = GotOcr2ImageProcessorPil(
    size={"height": 448, "width": 448}, resample=3, crop_to_patches=True, min_patches=1, max_patches=12
)


def smolvlm_layout(picture: Image.Image) -> str:
    out = smolvlm(picture, return_row_col_info=True)
    rows, cols, n = out["rows"][0][0], out["cols"][0][0], SMOLVLM_TOKENS_PER_FRAME
    # Idefics3Processor.replace_image_token, with "\n\n" one token (SmolLM2's tokenizer)
    tokens = rows * (cols * (n + 2) + 1) + n + 3 if rows else n + 3
    return f"{cols}x{rows} + global = {len(out['pixel_values'][0])} frames, {tokens} image tokens"


def internvl_layout(picture: Image.Image) -> str:
    tiles = internvl(picture)["num_patches"][0]
    return f"{tiles} tiles, {2 + INTERNVL_TOKENS_PER_TILE * tiles} image tokens"  # <img> ... </img>


if __name__ == "__main__":
    for size in sys.argv[1:] or SIZES:
        width, height = (int(v) for v in size.split("x"))
        picture = Image.new("RGB", (width, height), (120, 30, 200))
        print(f"{size}: SmolVLM-256M {smolvlm_layout(picture)}; InternVL3 {internvl_layout(picture)}")
