"""Turn a picture of a digit or a garment into a 28x28 image laid out like the training set's.

MNIST's digits were prepared so: light ink on a dark background; the digit scaled (with
anti-aliasing) to fit a 20x20 box, keeping its aspect ratio; then placed in a 28x28 field so that
its centre of mass sits at the centre. Fashion-MNIST's products were trimmed, scaled so that the
longer side is 28 pixels, and centred, light on dark. `to_training_layout` repeats those steps for
a user's picture, typically dark ink on white from a paint program, a scan or a product photo.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .errors import CLIError

__all__ = ["LAYOUTS", "Layout", "read_grayscale", "to_training_layout"]

FIELD = 28  # output size
INK_THRESHOLD = 0.25  # of the brightest ink level: fainter pixels are noise for the bounding box
MAX_PIXELS = 50_000_000  # larger pictures are refused: decoding them would take gigabytes
WORK_SIDE = 1024  # larger pictures are reduced to about this many pixels on their longer side


def read_grayscale(path: str | Path) -> np.ndarray:
    """The image at `path` as float32 grey levels 0-255 (H, W), reduced to about WORK_SIDE
    pixels on its longer side when larger; transparency becomes a background that contrasts with
    the visible pixels. Images of more than MAX_PIXELS pixels are refused (CLIError) before they
    are decoded, so memory stays bounded."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            # Pillow warns from 89 megapixels on; MAX_PIXELS is the limit that counts here.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                image.draft(image.mode, (WORK_SIDE, WORK_SIDE))  # a JPEG decodes at 1/2 to 1/8
                _check_size(image.size, path)
                factor = max(image.size) // WORK_SIDE
                if factor > 1:
                    if image.mode not in _REDUCIBLE_MODES:  # bilevel, palette, 16-bit
                        image = image.convert("RGBA" if image.mode == "P" else "L")
                    image = image.reduce(factor)
                image = ImageOps.exif_transpose(image)  # phone photos store their rotation aside
                return _visible_gray(image)
    except FileNotFoundError:
        raise CLIError(f"{path}: no such image file") from None
    except IsADirectoryError:
        raise CLIError(f"{path} is a directory, not an image file") from None
    except UnidentifiedImageError:
        raise CLIError(f"{path} is not an image Pillow can read; pass PNG or JPEG files") from None
    except Image.DecompressionBombError:
        raise CLIError(f"{path} is too large: more than {2 * Image.MAX_IMAGE_PIXELS:,} pixels; "
                       f"{_SIZE_LIMIT}") from None
    except (OSError, ValueError) as e:
        raise CLIError(f"cannot read the image {path}: {e}") from None


_REDUCIBLE_MODES = ("L", "LA", "RGB", "RGBA", "PA", "I", "F", "CMYK", "YCbCr")
_SIZE_LIMIT = (f"ember predict reads images of up to {MAX_PIXELS // 10**6} megapixels (JPEGs: "
               "more, decoded reduced); scale it down first")


def _check_size(size: tuple[int, int], path: str | Path) -> None:
    width, height = size
    if width * height > MAX_PIXELS:
        raise CLIError(f"{path} is too large: {width}x{height} pixels "
                       f"({width * height / 1e6:.0f} megapixels); {_SIZE_LIMIT}")


def _visible_gray(image) -> np.ndarray:
    """Grey levels, with transparent parts set to the background the visible pixels stand out
    from: black behind light strokes (white ink on a transparent canvas), else white."""
    if image.mode not in ("RGBA", "LA", "PA") and "transparency" not in image.info:
        return np.asarray(image.convert("L"), dtype=np.float32)
    gray, alpha = (np.asarray(band, dtype=np.float32)
                   for band in image.convert("RGBA").convert("LA").split())
    opacity = alpha / 255
    visible_level = (gray * opacity).sum() / max(opacity.sum(), 1e-6)
    background = 0.0 if visible_level > 127 else 255.0
    return gray * opacity + background * (1 - opacity)


class Layout(NamedTuple):
    box: int  # the longer side of the content is scaled to this many pixels
    by_mass: bool  # centre the centre of mass (else the bounding box)
    # Thicken thinner strokes to this width (in output pixels): a digit drawn with a thin brush
    # on a big canvas would otherwise shrink to faint hairlines. None: leave shapes as they are.
    stroke_width: float | None


LAYOUTS = {
    "mnist": Layout(box=20, by_mass=True, stroke_width=2.5),  # MNIST's median stroke width
    "fashion-mnist": Layout(box=28, by_mass=False, stroke_width=None),
}
WORK_SCALE = 4  # strokes are measured and thickened at 4x the output resolution


def to_training_layout(gray: np.ndarray, layout: Layout, source: str = "image") -> np.ndarray:
    """A float32 28x28 image in [0, 1], bright content on black, placed as `layout` says."""
    ink = _crop(_ink(gray, source))
    if layout.stroke_width is not None:
        ink = _thicken(_resize(ink, layout.box * WORK_SCALE), layout.stroke_width * WORK_SCALE)
    return _place(_resize(ink, layout.box), layout.by_mass)


def _ink(gray: np.ndarray, source: str) -> np.ndarray:
    """Ink levels 0-255: bright on black, the brightest at 255."""
    # The border is background in a picture of one object: a light border means dark ink.
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    if np.median(border) > 127:
        gray, border = 255 - gray, 255 - border
    ink = np.clip(gray - np.median(border), 0, None)  # the paper's own grey becomes black
    if ink.max() < 16:
        raise CLIError(f"{source} is blank: it holds no digit or object to classify")
    return ink * (255 / ink.max())


def _crop(ink: np.ndarray) -> np.ndarray:
    """`ink` cut to the bounding box of its clearly inked pixels (faint noise ignored)."""
    inked = ink > INK_THRESHOLD * 255
    rows, cols = np.flatnonzero(inked.any(axis=1)), np.flatnonzero(inked.any(axis=0))
    return ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def _resize(ink: np.ndarray, longer_side: int) -> np.ndarray:
    """Scaled to `longer_side` keeping the aspect ratio, brightest level back at 255."""
    from PIL import Image

    h, w = ink.shape
    scale = longer_side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))  # PIL sizes are (width, height)
    # Averaging over each output pixel's area is the anti-aliasing MNIST's digits show.
    resized = np.asarray(Image.fromarray(ink.astype(np.float32)).resize(
        size, Image.Resampling.BOX if scale < 1 else Image.Resampling.BILINEAR))
    return np.clip(resized * (255 / max(float(resized.max()), 1e-6)), 0, 255)


def _thicken(ink: np.ndarray, width: float) -> np.ndarray:
    """Grow strokes thinner than `width` pixels to about that width (a max filter)."""
    inked = np.pad(ink > 127, 1)
    core = inked[1:-1, 1:-1]
    interior = core & inked[:-2, 1:-1] & inked[2:, 1:-1] & inked[1:-1, :-2] & inked[1:-1, 2:]
    edge = np.count_nonzero(core & ~interior)
    # A stroke of length L and width w covers w*L pixels and has about 2*L edge pixels.
    measured = 2 * np.count_nonzero(core) / max(edge, 1)
    steps = max(0, round((width - measured) / 2))  # each 3x3 max adds a pixel on both sides
    ink = np.pad(ink, steps)  # room to grow past the crop
    for _ in range(steps):
        grown = np.pad(ink, 1)
        ink = np.max([grown[i : i + ink.shape[0], j : j + ink.shape[1]]
                      for i in range(3) for j in range(3)], axis=0)
    return ink


def _place(small: np.ndarray, by_mass: bool) -> np.ndarray:
    """`small` in a black 28x28 field, its centre (of mass) at the field's centre, in [0, 1]."""
    if by_mass:
        total = small.sum()
        cy = (small.sum(axis=1) @ np.arange(small.shape[0])) / total
        cx = (small.sum(axis=0) @ np.arange(small.shape[1])) / total
    else:
        cy, cx = (small.shape[0] - 1) / 2, (small.shape[1] - 1) / 2
    top, left = round((FIELD - 1) / 2 - cy), round((FIELD - 1) / 2 - cx)
    field = np.zeros((FIELD, FIELD), dtype=np.float32)
    y0, x0 = max(top, 0), max(left, 0)
    y1, x1 = min(top + small.shape[0], FIELD), min(left + small.shape[1], FIELD)
    field[y0:y1, x0:x1] = small[y0 - top : y1 - top, x0 - left : x1 - left]  # cut at the edges
    return field / 255
