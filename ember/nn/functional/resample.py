"""Resampling (torch.nn.functional counterparts): interpolate / upsample, pixel_shuffle,
pixel_unshuffle and channel_shuffle.

interpolate builds, for each spatial dim, the matrix that maps input positions to output positions
with PyTorch's index and weight rules (ATen's UpSample kernels: the same source-index formulas,
in the same precision, float32 for float32 inputs), and hands them to ember.ops.resample.AxisMaps.
The shuffles are reshapes and permutations (views and one copy).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ...ops.resample import AxisMap, AxisMaps
from ...tensor import Tensor
from ._args import check_float

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "pixel_shuffle",
           "pixel_unshuffle", "channel_shuffle", "native_channel_shuffle"]

_LINEAR_MODES = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}
_MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact")
_TORCH_NODE = {"nearest": "UpsampleNearest{d}D", "nearest-exact": "UpsampleNearestExact{d}D",
               "linear": "UpsampleLinear1D", "bilinear": "UpsampleBilinear2D",
               "bicubic": "UpsampleBicubic2D", "trilinear": "UpsampleTrilinear3D",
               "area": "AdaptiveAvgPool{d}D"}
_CUBIC_A = -0.75  # PyTorch's (and OpenCV's) bicubic coefficient


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resample the spatial dims of an (N, C, *spatial) input (1 to 3 spatial dims).

    Exactly one of `size` (an int or one per spatial dim) and `scale_factor` (a float or one per
    spatial dim; the output size is floor(input size * scale_factor)) is given. Modes: 'nearest'
    (3-D to 5-D input), 'nearest-exact', 'area' (adaptive average pooling), 'linear' (3-D),
    'bilinear' and 'bicubic' (4-D), 'trilinear' (5-D). `align_corners` (interpolating modes only)
    maps the corner pixels' centres onto each other. Unless `recompute_scale_factor`, a given
    scale_factor also sets the source positions (as in PyTorch), not only the output size.

    Shape: (N, C, *in) -> (N, C, *out). Any float dtype; the output has the input's.
    Errors: ValueError for conflicting or missing size / scale_factor and a misplaced
    align_corners; NotImplementedError for a mode that does not fit the input's dims.
    """
    op = "interpolate"
    check_float(input, "input", op)
    if mode not in _MODES:
        raise NotImplementedError(f"{op}: Input Error: mode must be one of "
                                  f"{' | '.join(_MODES)}, got {mode!r}")
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating "
                             "modes: linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    if antialias:
        raise NotImplementedError(f"{op}: antialias=True is not supported by ember")
    dims = input.ndim - 2
    if dims not in (1, 2, 3):
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) for "
            f"the modes: nearest | linear | bilinear | bicubic | trilinear | area | "
            f"nearest-exact (got {mode})")
    needed = _LINEAR_MODES.get(mode)
    if needed is not None and needed != dims:
        raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs "
                                  f"{needed + 2}D input")
    in_sizes = tuple(input.shape[2:])
    out_sizes, scales = _output_sizes(in_sizes, size, scale_factor, recompute_scale_factor)
    if min(in_sizes) <= 0 or min(out_sizes) <= 0 and mode != "area":  # area gives empty output
        raise RuntimeError(f"{op}: input and output sizes should be greater than 0, but got "
                           f"input {list(in_sizes)} and output {list(out_sizes)} (input shape "
                           f"{tuple(input.shape)})")
    dtype = input._data.dtype
    # ATen copies the dims whose size does not change, whatever their scale factor, in the
    # linear modes and in 2-d nearest (not in bicubic and the other nearest modes).
    if mode in ("linear", "bilinear", "trilinear") or mode == "nearest" and dims == 2:
        scales = tuple(None if n == m else s for n, m, s in zip(in_sizes, out_sizes, scales))
    maps = tuple(_axis_map(mode, n, m, s, align_corners, dtype)
                 for n, m, s in zip(in_sizes, out_sizes, scales))
    return AxisMaps.apply(input, maps=maps,
                          torch_name=_TORCH_NODE[mode].format(d=dims) + "Backward0")


def _output_sizes(in_sizes: tuple, size, scale_factor, recompute: bool | None):
    """The output size per spatial dim and the scale the kernels use (None: in/out)."""
    dims = len(in_sizes)
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if recompute:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
        sizes = (size,) * dims if isinstance(size, (int, np.integer)) else tuple(size)
        if len(sizes) != dims:
            raise ValueError(
                "Input and output must have the same number of spatial dimensions, but got input "
                f"with spatial dimensions of {list(in_sizes)} and output size of {size}. Please "
                "provide input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, "
                "o2, ...,oK) format.")
        return tuple(int(s) for s in sizes), (None,) * dims
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    factors = (tuple(scale_factor) if isinstance(scale_factor, (tuple, list))
               else (scale_factor,) * dims)
    if len(factors) != dims:
        raise ValueError(
            "Input and scale_factor must have the same number of spatial dimensions, but got "
            f"input with spatial dimensions of {list(in_sizes)} and scale_factor of shape "
            f"{scale_factor}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
            "scale_factor in (s1, s2, ...,sK) format.")
    factors = tuple(float(f) for f in factors)
    sizes = tuple(math.floor(n * f) for n, f in zip(in_sizes, factors))
    return sizes, (None,) * dims if recompute else factors


def _axis_map(mode: str, n: int, m: int, scale: float | None, align_corners: bool,
              dtype) -> AxisMap | None:
    """The (m, n) map of one spatial dim (None where it is the identity)."""
    if n == m and scale is None and mode != "bicubic":
        return None
    if mode == "area":
        return None if n == m else _area_map(n, m, dtype)
    # in the kernels' precision: float for float32 (and half types), double for float64
    real = np.float64 if dtype == np.float64 else np.float32
    if mode in ("nearest", "nearest-exact"):
        index = _nearest_index(n, m, scale, mode == "nearest-exact", real)
        identity = n == m and (index == np.arange(n)).all()
        return None if identity else AxisMap.gather(index, n)
    if align_corners:
        step = real(n - 1) / real(m - 1) if m > 1 else real(0)
        src = step * np.arange(m, dtype=real)
    else:
        step = real(1.0 / scale) if scale is not None and scale > 0 else real(n) / real(m)
        src = step * (np.arange(m, dtype=real) + real(0.5)) - real(0.5)
        if mode != "bicubic":
            src = np.maximum(src, real(0))
    base = np.minimum(np.floor(src).astype(np.intp), n - 1)
    frac = np.clip(src - base, 0, 1).astype(np.float64)
    if mode == "bicubic":
        index = np.clip(base + np.arange(-1, 3)[:, None], 0, n - 1)
        weight = np.stack(_cubic_weights(frac))
    else:
        index = np.stack([base, base + (base < n - 1)])
        weight = np.stack([1 - frac, frac])
    return AxisMap(index, weight.astype(dtype), n)


def _nearest_index(n: int, m: int, scale: float | None, exact: bool, real) -> np.ndarray:
    """Source position per output position, with ATen's arithmetic: the step and the product in
    the kernel's precision `real`, then rounded to float32 before the floor (its rounding decides
    which pixel is picked when the product lands near an integer)."""
    dst = np.arange(m)
    if not exact and scale is None:
        if m == n:
            return dst
        if m == 2 * n:
            return dst >> 1
    step = real(1.0 / scale) if scale is not None and scale > 0 else real(n) / real(m)
    src = ((dst.astype(real) + real(0.5 if exact else 0.0)) * step).astype(np.float32)
    return np.minimum(np.floor(src).astype(np.int64), n - 1)


def _cubic_weights(t: np.ndarray) -> tuple[np.ndarray, ...]:
    """The four Keys cubic convolution weights of taps -1, 0, 1, 2 at fraction t."""
    a = _CUBIC_A

    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return far(t + 1), near(t), near(1 - t), far(2 - t)


def _area_map(n: int, m: int, dtype) -> AxisMap:
    """Adaptive average pooling's (m, n) map: window i is [floor(i*n/m), ceil((i+1)*n/m))."""
    i = np.arange(m)
    start, end = (i * n) // m, -((-(i + 1) * n) // m)
    pos = np.arange(n)
    inside = (pos >= start[:, None]) & (pos < end[:, None])
    return AxisMap.from_dense((inside / (end - start)[:, None]).astype(dtype))


def upsample(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",
             align_corners: bool | None = None) -> Tensor:
    """Deprecated alias of interpolate (PyTorch warns the same way)."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: interpolate(input, size, scale_factor, mode='nearest')."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: interpolate(input, size, scale_factor, mode='bilinear', align_corners=True)."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C*r*r, H, W) -> (*, C, H*r, W*r): each group of r*r channels becomes r x r blocks.
    Errors: RuntimeError for fewer than 3 dims or channels not divisible by r*r."""
    r = _factor(upscale_factor, "pixel_shuffle", "upscale_factor")
    _check_3d(input, "pixel_shuffle")
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but input.size(-3)={c} "
                           f"is not divisible by {r * r}")
    k = len(lead)
    x = input.reshape(*lead, c // (r * r), r, r, h, w)
    x = x.permute(*range(k), k, k + 3, k + 1, k + 4, k + 2)
    return x.reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """(*, C, H*r, W*r) -> (*, C*r*r, H, W), the inverse of pixel_shuffle.
    Errors: RuntimeError for fewer than 3 dims or H, W not divisible by r."""
    r = _factor(downscale_factor, "pixel_unshuffle", "downscale_factor")
    _check_3d(input, "pixel_unshuffle")
    *lead, c, h, w = input.shape
    for name, n in (("height", h), ("width", w)):
        if n % r:
            raise RuntimeError(f"pixel_unshuffle expects {name} to be divisible by "
                               f"downscale_factor, but input.size({-2 if name == 'height' else -1})"
                               f"={n} is not divisible by {r}")
    k = len(lead)
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    x = x.permute(*range(k), k, k + 2, k + 4, k + 1, k + 3)
    return x.reshape(*lead, c * r * r, h // r, w // r)


def _factor(value, op: str, name: str) -> int:
    if not isinstance(value, (int, np.integer)) or value <= 0:
        raise RuntimeError(f"{op} expects a positive {name}, but got {value!r}")
    return int(value)


def _check_3d(input: Tensor, op: str) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be an ember.Tensor, got {type(input).__name__}")
    if input.ndim < 3:
        raise RuntimeError(f"{op} expects input to have at least 3 dimensions, but got input "
                           f"with {input.ndim} dimension(s)")


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """(N, C, *) with the channels of `groups` groups interleaved: channel g*(C/groups) + i
    moves to i*groups + g. Errors: RuntimeError for groups not dividing C."""
    if not isinstance(input, Tensor):
        raise TypeError(f"channel_shuffle: input must be an ember.Tensor, got "
                        f"{type(input).__name__}")
    if input.ndim < 3:
        raise RuntimeError(f"channel_shuffle expects input to have at least 3 dimensions, but "
                           f"got input with sizes {list(input.shape)}")
    if not isinstance(groups, (int, np.integer)) or groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of "
                           f"groups:{groups}")
    n, c, *rest = input.shape
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels "
                           f"and {groups} groups.")
    x = input.reshape(n, groups, c // groups, *rest).transpose(1, 2)
    return x.reshape(n, c, *rest)


native_channel_shuffle = channel_shuffle
