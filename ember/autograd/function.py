"""The Function base class: one subclass per primitive op, forward and backward on NumPy arrays.

`ctx` is the Function instance itself: it becomes the output's `grad_fn`, keeps the input
tensors in `parents`, and whatever forward saved as attributes for backward.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .grad_mode import _mode

# The Tensor class, bound by ember.tensor at import time so that ops can build outputs.
_Tensor = None


class Function:
    """Base of every primitive op. Subclasses define forward and backward on NumPy arrays."""

    __slots__ = ("parents", "needs_input_grad", "retained", "__dict__", "__weakref__")

    def forward(ctx, *arrays, **kwargs) -> np.ndarray:
        raise NotImplementedError

    def backward(ctx, grad: np.ndarray):
        raise NotImplementedError

    @classmethod
    def name(cls) -> str:
        return cls.__name__ + "Backward0"

    def __repr__(self) -> str:
        return f"<{self.name()}>"

    @classmethod
    def apply(cls, *inputs, **kwargs):
        # The hot path of every op: one- and two-input ops without options skip the generic
        # argument unpacking, and forward is called on the class (no bound method to build).
        ctx = _new(cls)
        n = len(inputs)
        try:
            if kwargs:
                out = cls.forward(ctx, *[t._data for t in inputs], **kwargs)
            elif n == 2:
                out = cls.forward(ctx, inputs[0]._data, inputs[1]._data)
            elif n == 1:
                out = cls.forward(ctx, inputs[0]._data)
            else:
                out = cls.forward(ctx, *[t._data for t in inputs])
        except (ValueError, IndexError) as e:
            raise _op_error(cls, inputs, e) from None
        if out.__class__ is not _ndarray:
            out = np.asarray(out)
        if _mode.anomaly:
            _check_finite(out, cls, "forward")
        t = _new(_Tensor)
        t._data = out
        t.grad = None
        if _mode.enabled:
            if n == 2:
                needs = (inputs[0].requires_grad, inputs[1].requires_grad)
            elif n == 1:
                needs = (inputs[0].requires_grad,)
            else:
                needs = tuple([x.requires_grad for x in inputs])
            if True in needs:
                ctx.parents = inputs
                ctx.needs_input_grad = needs
                ctx.retained = None
                t.grad_fn = ctx
                t.requires_grad = True
                return t
        t.grad_fn = None
        t.requires_grad = False
        return t


_new = object.__new__
_ndarray = np.ndarray


def _op_error(cls: type, inputs, err: Exception) -> Exception:
    shapes = " and ".join(str(tuple(t._data.shape)) for t in inputs)
    op = cls.__name__.lower()
    exc_type = IndexError if isinstance(err, IndexError) else RuntimeError
    return exc_type(f"{op}: {err} (input shapes {shapes})")


def _check_finite(arr: np.ndarray, op: type | Function, phase: str) -> None:
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        name = op.name()
        bad = "NaN" if np.isnan(arr).any() else "Inf"
        raise RuntimeError(f"detect_anomaly: {name} produced {bad} in its {phase} output")


def binary_operator(op: type[Function], general: Callable, float_only: bool = False) -> Callable:
    """`tensor <op> tensor` (Tensor.__add__ and friends) with Function.apply inlined for the
    common case, two tensors of one dtype: this one path carries every small element-wise op.
    Everything else (scalars, promotion, int division, anomaly mode) goes to `general`."""
    forward = op.forward

    def operator(self, other):
        if other.__class__ is not _Tensor or self._data.dtype is not other._data.dtype or (
                float_only and self._data.dtype.kind != "f") or _mode.anomaly:
            return general(self, other)
        ctx = _new(op)
        try:
            out = forward(ctx, self._data, other._data)
        except (ValueError, IndexError):
            return general(self, other)  # which raises the op's own, clear error
        if out.__class__ is not _ndarray:
            out = np.asarray(out)
        t = _new(_Tensor)
        t._data = out
        t.grad = None
        if _mode.enabled and (self.requires_grad or other.requires_grad):
            ctx.parents = (self, other)
            ctx.needs_input_grad = (self.requires_grad, other.requires_grad)
            ctx.retained = None
            t.grad_fn = ctx
            t.requires_grad = True
            return t
        t.grad_fn = None
        t.requires_grad = False
        return t

    return operator
