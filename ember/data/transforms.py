"""Image transforms as plain callables, after torchvision.transforms: Compose, ToTensor, Normalize,
Lambda.

Batch protocol. A transform maps one sample. It may also set ``supports_batch = True`` and provide
``batch(xs)``, which maps a stack of samples (one extra leading axis) to the stack of the results:
``t.batch(xs)`` equals ``ember.stack([t(x) for x in xs])``. Array-backed datasets (MNIST) then
transform a whole DataLoader batch with one call instead of one call per sample; with any
transform that does not support batches they fall back to per-sample calls. ``batchable(t)``
says which case applies (a Compose supports batches when all its transforms do).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..tensor import Tensor, _make

__all__ = ["Compose", "Lambda", "Normalize", "ToTensor", "batchable"]


def batchable(transform: Callable | None) -> bool:
    """Whether `transform` follows the batch protocol (None, the identity, trivially does)."""
    return transform is None or bool(getattr(transform, "supports_batch", False))


class Compose:
    """Applies `transforms` one after the other."""

    def __init__(self, transforms: Sequence[Callable]) -> None:
        self.transforms = list(transforms)

    @property
    def supports_batch(self) -> bool:
        return all(batchable(t) for t in self.transforms)

    def __call__(self, x: Any) -> Any:
        for t in self.transforms:
            x = t(x)
        return x

    def batch(self, xs: Any) -> Any:
        if not self.supports_batch:
            unbatched = [type(t).__name__ for t in self.transforms if not batchable(t)]
            raise TypeError(f"Compose.batch: {', '.join(unbatched)} cannot transform batches")
        for t in self.transforms:
            xs = t.batch(xs)
        return xs

    def __repr__(self) -> str:
        inner = "".join(f"\n    {t!r}" for t in self.transforms)
        return f"Compose({inner}\n)"


class ToTensor:
    """A uint8 image to a float32 tensor in [0, 1], channels first, as torchvision's ToTensor.

    Takes a NumPy array or an ember Tensor: HxW -> 1xHxW and HxWxC -> CxHxW. ``batch`` takes
    NxHxW -> Nx1xHxW and NxHxWxC -> NxCxHxW. Images of other dtypes get the channel axis but
    keep their values and dtype, as in torchvision.
    """

    supports_batch = True

    def __call__(self, pic: np.ndarray | Tensor) -> Tensor:
        return _to_tensor(pic, batched=False)

    def batch(self, pics: np.ndarray | Tensor) -> Tensor:
        return _to_tensor(pics, batched=True)

    def __repr__(self) -> str:
        return "ToTensor()"


def _to_tensor(pic: np.ndarray | Tensor, batched: bool) -> Tensor:
    name = "ToTensor.batch" if batched else "ToTensor"
    if isinstance(pic, Tensor):
        pic = pic._data
    elif not isinstance(pic, np.ndarray):
        raise TypeError(f"{name}: expected a NumPy array or an ember Tensor, got {type(pic)}")
    lead = 1 if batched else 0
    if pic.ndim == lead + 2:  # no channel axis: grayscale
        chw = pic.reshape(pic.shape[:lead] + (1,) + pic.shape[lead:])
    elif pic.ndim == lead + 3:  # channels last -> channels first
        chw = np.moveaxis(pic, -1, lead)
    else:
        expected = "NxHxW or NxHxWxC" if batched else "HxW or HxWxC"
        raise ValueError(f"{name}: expected an image of shape {expected}, got {pic.shape}")
    if pic.dtype != np.uint8:
        return _make(np.ascontiguousarray(chw), None)
    out = np.empty(chw.shape, dtype=np.float32)
    np.divide(chw, np.float32(255), out=out)  # divide (not multiply by 1/255) as torch does
    return _make(out, None)


class Normalize:
    """(x - mean) / std per channel, for float tensors of shape (..., C, H, W), as torchvision's
    Normalize. The leading axes make it work unchanged on batches."""

    supports_batch = True

    def __init__(self, mean: Sequence[float], std: Sequence[float], inplace: bool = False) -> None:
        self.mean = mean
        self.std = std
        self.inplace = inplace

    def __call__(self, tensor: Tensor) -> Tensor:
        if not isinstance(tensor, Tensor):
            raise TypeError(f"Normalize: expected an ember Tensor, got {type(tensor)}")
        x = tensor._data
        if x.dtype.kind != "f":
            raise TypeError(f"Normalize: expected a float tensor, got {tensor.dtype}")
        if x.ndim < 3:
            raise ValueError(
                f"Normalize: expected a tensor image of shape (..., C, H, W), got {x.shape}"
            )
        mean, std = (np.asarray(v, dtype=x.dtype).reshape(-1, 1, 1) for v in (self.mean, self.std))
        if mean.shape[0] not in (1, x.shape[-3]) or std.shape[0] not in (1, x.shape[-3]):
            raise ValueError(
                f"Normalize: {x.shape[-3]} channels in image of shape {x.shape} but "
                f"{mean.shape[0]} means and {std.shape[0]} stds"
            )
        if not std.all():
            raise ValueError(f"Normalize: std {self.std} contains zero, which would divide by 0")
        if tensor.requires_grad:  # keep the autograd graph
            return (tensor - _make(mean, None)) / _make(std, None)
        out = np.subtract(x, mean, out=x if self.inplace else None)
        np.divide(out, std, out=out)
        return tensor if self.inplace else _make(out, None)

    def batch(self, tensors: Tensor) -> Tensor:
        return self(tensors)

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean}, std={self.std})"


class Lambda:
    """Wraps a function as a transform. Pass ``batched=True`` when `lambd` maps a batch (a stack
    of samples) to the stack of its per-sample results, so datasets may call it once per batch."""

    def __init__(self, lambd: Callable[[Any], Any], *, batched: bool = False) -> None:
        if not callable(lambd):
            raise TypeError(f"Lambda: argument lambd should be callable, got {type(lambd)}")
        self.lambd = lambd
        self.supports_batch = batched

    def __call__(self, x: Any) -> Any:
        return self.lambd(x)

    def batch(self, xs: Any) -> Any:
        if not self.supports_batch:
            raise TypeError("Lambda.batch: this Lambda was not created with batched=True")
        return self.lambd(xs)

    def __repr__(self) -> str:
        return f"Lambda({getattr(self.lambd, '__name__', self.lambd)!r})"
