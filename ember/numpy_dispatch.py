"""How a Tensor answers NumPy's ufuncs and functions (NumPy's __array_ufunc__ and
__array_function__ protocols).

This is what lets every backward formula be written once. Formulas are NumPy code: operators,
ufuncs (np.exp, np.where's arguments, ...) and a small set of functions (np.sum, np.reshape,
np.broadcast_to, ...). On the ordinary path they run on arrays. While the engine records a
backward pass (create_graph=True) they receive Tensors, and the calls land here, on ember's
differentiable ops, so the formula builds a graph that can be differentiated again.

- A ufunc on a Tensor is always ember's op: `np.exp(t)` and `array * t` give Tensors.
- A function in the table below is ember's op while a backward pass is recorded. Anywhere else
  NumPy's functions see Tensors as arrays (np.allclose(t, u), np.stack([t, u])), as they see a
  PyTorch tensor.
"""

from __future__ import annotations

import numpy as np

from . import functions, pointwise, reductions, shapes
from .autograd import _mode
from .tensor import Tensor, _make

_UFUNCS = {
    np.add: functions.add, np.subtract: functions.sub, np.multiply: functions.mul,
    np.true_divide: functions.div, np.power: functions.pow, np.negative: functions.neg,
    np.positive: lambda t: t, np.absolute: functions.abs, np.exp: functions.exp,
    np.log: functions.log, np.log1p: functions.log1p, np.sqrt: functions.sqrt,
    np.sin: functions.sin, np.cos: functions.cos, np.tanh: functions.tanh,
    np.sign: pointwise.sign, np.square: functions.square, np.floor: functions.floor,
    np.ceil: functions.ceil, np.maximum: functions.maximum, np.minimum: functions.minimum,
    np.matmul: functions.matmul, np.equal: functions.eq, np.not_equal: functions.ne,
    np.greater: functions.gt, np.greater_equal: functions.ge, np.less: functions.lt,
    np.less_equal: functions.le, np.floor_divide: functions.floor_divide,
    np.remainder: functions.remainder, np.fmod: functions.fmod,
    np.tan: pointwise.tan, np.arcsin: pointwise.asin, np.arccos: pointwise.acos,
    np.arctan: pointwise.atan, np.sinh: pointwise.sinh, np.cosh: pointwise.cosh,
    np.arcsinh: pointwise.asinh, np.arccosh: pointwise.acosh, np.arctanh: pointwise.atanh,
    np.expm1: pointwise.expm1, np.exp2: pointwise.exp2, np.log2: pointwise.log2,
    np.log10: pointwise.log10, np.reciprocal: pointwise.reciprocal, np.sinc: pointwise.sinc,
    np.trunc: pointwise.trunc, np.rint: pointwise.round, np.hypot: pointwise.hypot,
    np.arctan2: pointwise.atan2, np.logaddexp: pointwise.logaddexp,
    np.logaddexp2: pointwise.logaddexp2,
}


def _not_differentiable(ufunc):
    """Logical and bitwise ufuncs: computed on the arrays, a constant Tensor out."""
    return lambda *inputs: _make(np.asarray(ufunc(*_arrays(inputs))), None)


for _ufunc in (np.logical_and, np.logical_or, np.logical_xor, np.logical_not, np.bitwise_and,
               np.bitwise_or, np.bitwise_xor, np.invert, np.isnan, np.isinf, np.isfinite):
    _UFUNCS[_ufunc] = _not_differentiable(_ufunc)


def _split(a, indices_or_sections, axis=0):
    n = a.shape[axis]
    if isinstance(indices_or_sections, int):
        return shapes.split(a, n // indices_or_sections, axis)
    bounds = [0, *[int(i) for i in indices_or_sections], n]
    return shapes.split(a, [hi - lo for lo, hi in zip(bounds, bounds[1:])], axis)


def _expand_dims(a, axis):
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    ndim = a.ndim + len(axes)
    for ax in sorted(d % ndim for d in axes):
        a = shapes.unsqueeze(a, ax)
    return a


_FUNCTIONS = {
    np.sum: lambda a, axis=None, keepdims=False: reductions.sum(a, axis, keepdim=keepdims),
    np.mean: lambda a, axis=None, keepdims=False: reductions.mean(a, axis, keepdim=keepdims),
    np.where: lambda condition, x, y: functions.where(condition, x, y),
    np.broadcast_to: lambda array, shape: shapes.expand(array, tuple(shape)),
    np.expand_dims: _expand_dims,
    np.squeeze: lambda a, axis=None: shapes.squeeze(a, axis),
    np.reshape: lambda a, shape: shapes.reshape(a, tuple(shape) if not isinstance(
        shape, int) else (shape,)),
    np.transpose: lambda a, axes=None: shapes.permute(
        a, tuple(range(a.ndim - 1, -1, -1)) if axes is None else tuple(axes)),
    np.swapaxes: lambda a, axis1, axis2: shapes.transpose(a, axis1, axis2),
    np.moveaxis: lambda a, source, destination: shapes.movedim(a, source, destination),
    np.zeros_like: lambda a: _make(np.zeros(a.shape, a._data.dtype), None),
    np.ones_like: lambda a: _make(np.ones(a.shape, a._data.dtype), None),
    np.split: _split,
    np.concatenate: lambda arrays, axis=0: shapes.cat(list(arrays), axis),
    np.stack: lambda arrays, axis=0: shapes.stack(list(arrays), axis),
    np.flip: lambda m, axis=None: shapes.flip(m, tuple(range(m.ndim)) if axis is None else axis),
}


# --8<-- [start:dispatch]
def array_ufunc(self, ufunc, method, *inputs, **kwargs):
    fn = _UFUNCS.get(ufunc)
    if method != "__call__" or kwargs or fn is None:
        return NotImplemented
    return fn(*inputs)


def array_function(self, func, types, args, kwargs):
    if _mode.graph_backward:
        fn = _FUNCTIONS.get(func)
        if fn is not None:
            return fn(*args, **kwargs)
    return func(*_arrays(args), **_arrays(kwargs))
# --8<-- [end:dispatch]


def _arrays(x):
    """x with every Tensor inside (lists, tuples, dicts) replaced by its array."""
    if isinstance(x, Tensor):
        return x._data
    if isinstance(x, (list, tuple)):
        return type(x)(_arrays(v) for v in x)
    if isinstance(x, dict):
        return {k: _arrays(v) for k, v in x.items()}
    return x


Tensor.__array_ufunc__ = array_ufunc
Tensor.__array_function__ = array_function
