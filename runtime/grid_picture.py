"""`bluev tiles`: a tile plan, and its picture: the canvas with the grid, tile numbers and padding."""

from __future__ import annotations

from PIL import Image, ImageDraw

from bluev.fileio import atomic_path
from bluev.runtime.image import open_image, place_on_canvas
from bluev.runtime.options import TilesOptions
from bluev.runtime.tiler import TilePlan, parse_size, plan_tiles

GRID_RGB = (255, 64, 32)
CONTENT_RGB = (32, 200, 255)


def draw_grid(canvas: Image.Image, plan: TilePlan) -> Image.Image:
    """Return a copy of the canvas with tile borders and row-major tile indices."""
    picture = canvas.convert("RGB")
    draw = ImageDraw.Draw(picture)
    line = max(2, plan.tile_size // 96)
    if plan.resize == "fit-pad":
        # The part of the canvas that holds the image; the rest is padding.
        cw, ch = plan.content_size
        x0, y0 = (plan.canvas[0] - cw) // 2, (plan.canvas[1] - ch) // 2
        draw.rectangle((x0, y0, x0 + cw - 1, y0 + ch - 1), outline=CONTENT_RGB, width=line)
    for index, (left, top, right, bottom) in enumerate(plan.tile_boxes):
        draw.rectangle((left, top, right - 1, bottom - 1), outline=GRID_RGB, width=line)
        draw.text((left + 3 * line, top + 3 * line), str(index), fill=GRID_RGB)
    m, n = plan.grid
    label = f"{plan.policy} {m}:{n} {plan.canvas[0]}x{plan.canvas[1]} tokens={plan.image_tokens}"
    draw.text((3 * line, plan.canvas[1] - 6 * line - 10), label, fill=GRID_RGB)
    return picture


def plan_for(opts: TilesOptions) -> TilePlan:
    """`bluev tiles`: the plan for a size or an image file, and the grid picture if asked."""
    if opts.size is not None:
        return plan_tiles(*parse_size(opts.size), opts.tiler)
    assert opts.image is not None  # TilesOptions wants one of the two
    rgb = open_image(opts.image, max_pixels=opts.max_pixels)
    plan = plan_tiles(rgb.width, rgb.height, opts.tiler)
    if opts.out is not None:
        with atomic_path(opts.out) as tmp:
            draw_grid(place_on_canvas(rgb, plan), plan).save(tmp, format="PNG")
    return plan
