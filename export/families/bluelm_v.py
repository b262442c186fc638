"""bluev's own presets (tiny, bluelm-v-3b): BlueLM-V-3B's layout, described for the manifest.

The relaxed tiler with the thumbnail first (fit-pad, skipped for a 1x1 grid), SigLIP's
normalisation in float32, JPEGs decoded at a reduced scale, and the image's 196 tokens per
tile spliced right after the chat template's text before the prompt.
"""

from __future__ import annotations

from bluev.runtime.manifest import ChatTemplate, ImageLayout, ImageProcessor, ImagePrompt


def bluelm_v_layout(chat: ChatTemplate) -> ImageLayout:
    return ImageLayout(
        kind="bluelm-v",
        family="bluelm-v",
        tiler="family",
        processor=ImageProcessor(
            resample="bicubic",
            rescale_factor=1.0 / 255.0,
            rescale_dtype="float32",
            thumbnail_resize="fit-pad",
            thumbnail_always=False,
            jpeg_draft=True,
        ),
        prompt=ImagePrompt(before_image=chat.prefix, after_image="", image_token=None, image_token_id=None),
        anyres=None,
    )
