"""Parameter: a Tensor that a Module registers as learnable when assigned as an attribute."""

from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from ..devices import check_available
from ..tensor import Tensor, _make


class Parameter(Tensor):
    """torch.nn.Parameter. Shares memory with `data` when it is a Tensor or an ndarray."""

    __slots__ = ()

    def __init__(self, data=None, requires_grad: bool = True) -> None:
        if data is None:
            data = np.empty(0, dtype=np.float32)
        elif isinstance(data, Tensor):
            data = data._data
        elif not isinstance(data, np.ndarray):
            data = Tensor(data)._data  # PyTorch's legacy forms, as Tensor reads them
        self._wrap(data, requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol):
        # Rebuild through __init__ so copies and pickles stay Parameters with their flag.
        return (Parameter, (self._data, self.requires_grad))

    def __deepcopy__(self, memo) -> Parameter:
        copied = Parameter(self._data.copy(), self.requires_grad)
        if self.grad is not None:
            copied.grad = _make(self.grad._data.copy(), None)
        memo[id(self)] = copied
        return copied


def parameter_dtype(dtype=None, device=None) -> np.dtype:
    """The NumPy dtype of a layer's new parameters: `dtype`, or the default float dtype; `device`
    must be the CPU."""
    check_available(device)
    return _dt.to_np(dtype) if dtype is not None else _dt.default_float.np


def empty_parameter(shape: tuple, dtype=None, device=None) -> Parameter:
    """An uninitialised Parameter of `dtype` (default: the default float dtype), for layers to
    fill."""
    return Parameter(np.empty(shape, dtype=parameter_dtype(dtype, device)))
