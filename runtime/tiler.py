"""Grid choice for dynamic-resolution tiling: how an image is cut into 384x384 tiles.

An image of W x H pixels is resized (and padded) onto a canvas of ``tile*m`` x
``tile*n`` pixels for a grid m:n (m columns, n rows) and cut into m*n tiles; a
thumbnail of the whole image may be added. Three policies choose the grid:

``llava-next``
    LLaVA-NeXT's ``select_best_resolution``: for each grid, ``scale = min(tile*m/W,
    tile*n/H)``, effective resolution ``R_e = min(floor(W*scale) * floor(H*scale), W*H)``
    and wasted resolution ``R_w = tile*m * tile*n - R_e``; the largest R_e wins,
    ties go to the smallest R_w, then to the first grid enumerated. Any grid that
    holds the image without downscaling reaches ``R_e = W*H``, so small images
    get enlarged (394x390 -> grid 2:2).

``internvl``
    InternVL 1.5's ``dynamic_preprocess``: the grid whose aspect ratio m/n is
    closest to W/H among ``min_tiles <= m*n <= max_tiles`` wins; on an exact tie
    the later (larger) grid replaces the earlier one only if the image area
    exceeds half of that grid's canvas (``W*H > 0.5 * tile^2 * m * n``). The image
    is stretched onto the canvas (no padding), so a 380x76 image with max 6
    tiles becomes 1920x384.

``relaxed`` (BlueLM-V-3B, arXiv 2411.10640, "relaxed aspect ratio matching")
    The paper states the rule as a scan over the candidate grids that replaces
    the current best when ``R_e - R_e,max > alpha * R_e,max`` or when
    ``|R_e - R_e,max| < alpha * R_e,max`` and ``R_w < R_w,min``. Read literally, a
    replacement through the second clause lowers ``R_e,max``, so the outcome of
    that scan depends on enumeration order and can drift away from the best
    effective resolution. We implement the order-free reading that the scan
    intends (and that DESIGN.md section 1 states): let ``R* = max R_e`` over all
    candidates; every grid with ``R* - R_e < alpha * R*`` (or ``R_e == R*``)
    counts as equally good; among those the smallest ``R_w`` wins, then the
    fewest tiles, then the enumeration order. With ``alpha = 0`` this is exactly
    ``llava-next``. Because the winner's canvas ``R_w + R_e`` is never larger
    than llava-next's winner's canvas, relaxed never uses more tiles than
    llava-next under the same limits.

Candidates are enumerated in a fixed order, fewest tiles first and then fewest
columns (``(1,1), (1,2), (2,1), (1,3), (3,1), (1,4), (2,2), (4,1), ...``), so that
every remaining tie goes to fewer tiles and the Android port (which must
reproduce ``tests/data/tiling_vectors.json``) can enumerate identically.
Arithmetic follows the reference implementations: scales are IEEE doubles,
products are exact integers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from bluev.errors import BadInput
from bluev.options import cli

POLICIES = ("relaxed", "llava-next", "internvl")


@dataclass(frozen=True)
class TilerConfig:
    """Everything that decides how an image becomes tiles (recorded in the manifest)."""

    policy: str = cli("relaxed", choices=POLICIES, help="Grid policy.")
    tile_size: int = cli(384, minimum=1, help="Tile side in pixels.")
    alpha: float = cli(
        0.1, minimum=0.0, help="Relaxed matching threshold on effective resolution, in [0, 1)."
    )
    min_tiles: int = cli(1, minimum=1, maximum=64, help="Fewest tiles of a grid.")
    max_tiles: int = cli(9, minimum=1, maximum=64, help="Most tiles of a grid.")
    # Explicit candidate grids (columns, rows); None means every grid with
    # min_tiles <= m*n <= max_tiles.
    grids: tuple[tuple[int, int], ...] | None = None
    thumbnail: bool = cli(True, secondary="--no-thumbnail", help="Add a thumbnail of the whole image.")
    tokens_per_tile: int = cli(196, minimum=1, help="LLM tokens per encoded tile.")

    def __post_init__(self) -> None:
        if self.policy not in POLICIES:
            raise BadInput(f"policy {self.policy!r}: unknown, choose one of {', '.join(POLICIES)}")
        if self.tile_size <= 0 or self.tokens_per_tile <= 0:
            raise BadInput("tile_size and tokens_per_tile must be positive")
        if not 0.0 <= self.alpha < 1.0:
            raise BadInput(f"alpha {self.alpha}: must be in [0, 1)")
        if not 1 <= self.min_tiles <= self.max_tiles:
            raise BadInput(f"tile limits {self.min_tiles}..{self.max_tiles}: need 1 <= min <= max")
        if self.grids is not None and not self.grids:
            raise BadInput("grids: the candidate list is empty")

    def candidate_grids(self) -> list[tuple[int, int]]:
        """Candidate grids (m columns, n rows) in the canonical enumeration order."""
        if self.grids is not None:
            grids = {(int(m), int(n)) for m, n in self.grids}
            if any(m < 1 or n < 1 for m, n in grids):
                raise BadInput(f"grids {sorted(grids)}: columns and rows must be >= 1")
        else:
            grids = {
                (m, n)
                for m in range(1, self.max_tiles + 1)
                for n in range(1, self.max_tiles + 1)
                if self.min_tiles <= m * n <= self.max_tiles
            }
        return sorted(grids, key=lambda g: (g[0] * g[1], g[0]))

    def to_dict(self) -> dict:
        d = asdict(self)
        d["grids"] = [list(g) for g in self.candidate_grids()]
        return d


@dataclass(frozen=True)
class TilePlan:
    """The grid chosen for one image size, and what it costs downstream."""

    policy: str
    image_size: tuple[int, int]  # (width, height) of the source image
    grid: tuple[int, int]  # (columns m, rows n)
    canvas: tuple[int, int]  # (width, height) = tile_size * grid
    tile_size: int
    thumbnail: bool
    tokens_per_tile: int
    resize: str  # "fit-pad": keep aspect and pad; "stretch": InternVL's resize
    content_size: tuple[int, int]  # (width, height) of the resized image on the canvas
    tile_boxes: list[tuple[int, int, int, int]] = field(default_factory=list)

    @property
    def tiles(self) -> int:
        return self.grid[0] * self.grid[1]

    @property
    def images_to_encode(self) -> int:
        return self.tiles + int(self.thumbnail)

    @property
    def image_tokens(self) -> int:
        return self.images_to_encode * self.tokens_per_tile

    def summary(self) -> dict:
        return {
            "policy": self.policy,
            "image": list(self.image_size),
            "grid": list(self.grid),
            "canvas": list(self.canvas),
            "tiles": self.tiles,
            "thumbnail": self.thumbnail,
            "images_to_encode": self.images_to_encode,
            "tokens_per_tile": self.tokens_per_tile,
            "image_tokens": self.image_tokens,
            "resize": self.resize,
            "content": list(self.content_size),
        }


def resolutions(width: int, height: int, grid: tuple[int, int], tile: int) -> tuple[int, int]:
    """(effective R_e, wasted R_w) of an image on a grid, as LLaVA-NeXT computes them."""
    canvas_w, canvas_h = tile * grid[0], tile * grid[1]
    scale = min(canvas_w / width, canvas_h / height)
    effective = min(int(width * scale) * int(height * scale), width * height)
    return effective, canvas_w * canvas_h - effective


def best_llava_next(width: int, height: int, grids: list[tuple[int, int]], tile: int) -> tuple[int, int]:
    """LLaVA-NeXT's rule over ``grids`` scanned in the order given (a checkpoint's pinpoints keep theirs)."""
    best, best_eff, best_waste = None, -1, math.inf
    for grid in grids:
        eff, waste = resolutions(width, height, grid, tile)
        if eff > best_eff or (eff == best_eff and waste < best_waste):
            best, best_eff, best_waste = grid, eff, waste
    assert best is not None
    return best


def best_relaxed(
    width: int, height: int, grids: list[tuple[int, int]], tile: int, alpha: float
) -> tuple[int, int]:
    """Relaxed matching over ``grids``; the last tie-break is the order given."""
    scored = [(grid, *resolutions(width, height, grid, tile)) for grid in grids]
    best_eff = max(eff for _, eff, _ in scored)
    # Grids within alpha of the best effective resolution are "equally good".
    good = [s for s in scored if s[1] == best_eff or best_eff - s[1] < alpha * best_eff]
    # min() keeps the first of equal keys, i.e. the enumeration order.
    grid, _, _ = min(good, key=lambda s: (s[2], s[0][0] * s[0][1]))
    return grid


def choose_llava_next(width: int, height: int, cfg: TilerConfig) -> tuple[int, int]:
    return best_llava_next(width, height, cfg.candidate_grids(), cfg.tile_size)


def choose_relaxed(width: int, height: int, cfg: TilerConfig) -> tuple[int, int]:
    return best_relaxed(width, height, cfg.candidate_grids(), cfg.tile_size, cfg.alpha)


def choose_internvl(width: int, height: int, cfg: TilerConfig) -> tuple[int, int]:
    aspect = width / height
    area = width * height
    best, best_diff = (1, 1), math.inf
    for m, n in cfg.candidate_grids():
        diff = abs(aspect - m / n)
        if diff < best_diff:
            best, best_diff = (m, n), diff
        elif diff == best_diff and area > 0.5 * cfg.tile_size * cfg.tile_size * m * n:
            best = (m, n)
    return best


CHOOSERS: dict[str, Callable[[int, int, TilerConfig], tuple[int, int]]] = {
    "relaxed": choose_relaxed,
    "llava-next": choose_llava_next,
    "internvl": choose_internvl,
}


def fit_size(width: int, height: int, box_w: int, box_h: int) -> tuple[int, int]:
    """Largest size with the image's aspect ratio inside a box (LLaVA-NeXT's rounding)."""
    scale_w, scale_h = box_w / width, box_h / height
    if scale_w < scale_h:
        return box_w, min(math.ceil(height * scale_w), box_h)
    return min(math.ceil(width * scale_h), box_w), box_h


def plan_tiles(width: int, height: int, cfg: TilerConfig | None = None) -> TilePlan:
    """Choose the grid for a ``width`` x ``height`` image and lay out its tiles."""
    cfg = cfg or TilerConfig()
    if width <= 0 or height <= 0:
        raise BadInput(f"image size {width}x{height}: width and height must be positive")
    m, n = CHOOSERS[cfg.policy](width, height, cfg)
    t = cfg.tile_size
    canvas = (t * m, t * n)
    if cfg.policy == "internvl":
        resize, content = "stretch", canvas
    else:
        resize, content = "fit-pad", fit_size(width, height, *canvas)
    boxes = [(c * t, r * t, (c + 1) * t, (r + 1) * t) for r in range(n) for c in range(m)]
    return TilePlan(
        policy=cfg.policy,
        image_size=(width, height),
        grid=(m, n),
        canvas=canvas,
        tile_size=t,
        # A 1x1 grid's only tile already is the whole image: a thumbnail would
        # encode the same pixels twice.
        thumbnail=cfg.thumbnail and m * n > 1,
        tokens_per_tile=cfg.tokens_per_tile,
        resize=resize,
        content_size=content,
        tile_boxes=boxes,
    )


def parse_size(text: str) -> tuple[int, int]:
    """Parse ``WxH`` (also ``W*H`` or ``W,H``) into positive integers."""
    for sep in ("x", "X", "*", ","):
        if sep in text:
            parts = text.split(sep)
            break
    else:
        parts = []
    try:
        width, height = (int(p.strip()) for p in parts)
    except ValueError:
        raise BadInput(f"size {text!r}: expected WxH, e.g. 1920x1080") from None
    if width <= 0 or height <= 0:
        raise BadInput(f"size {text!r}: width and height must be positive")
    return width, height
