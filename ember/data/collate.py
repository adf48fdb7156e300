"""default_collate and default_convert, with the type rules of torch.utils.data's.

default_collate stacks a list of samples into a batch: tensors and NumPy arrays are stacked along
a new first axis (keeping their dtype); Python ints become an int64 tensor, Python floats a
float64 tensor, bools a bool tensor, NumPy scalars a tensor of their dtype; strings and bytes stay
a list; dicts, namedtuples, tuples and lists are collated field by field (tuples become lists,
as in PyTorch).
"""

from __future__ import annotations

import collections.abc
import copy
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..shapes import stack
from ..tensor import Tensor, _make
from .dataset import SampleBatch

__all__ = ["default_collate", "default_convert"]

_ERROR = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
)


def default_collate(batch: Sequence) -> Any:
    """Collate a list of samples into a batch (see the module docstring for the rules)."""
    if isinstance(batch, SampleBatch):  # an array-backed dataset gathers the batch in one go
        return batch.collate()
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack([b for b in batch], "tensors")
    if isinstance(elem, np.ndarray):
        if _is_text(elem.dtype):
            raise TypeError(_ERROR.format(elem.dtype))
        return _stack([_make(b, None) for b in batch], "arrays")
    if isinstance(elem, (np.bool_, np.number)):
        return _make(np.asarray(batch), None)
    if isinstance(elem, float):
        return _make(np.asarray(batch, dtype=np.float64), None)
    if isinstance(elem, bool):  # before int: bool is an int subclass
        return _make(np.asarray(batch, dtype=np.bool_), None)
    if isinstance(elem, int):
        return _make(np.asarray(batch, dtype=np.int64), None)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        fields = {key: default_collate([d[key] for d in batch]) for key in elem}
        return _rebuild_mapping(elem, fields)
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(field) for field in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(sample) != size for sample in batch):
            sizes = sorted({len(sample) for sample in batch})
            raise RuntimeError(
                f"default_collate: each element in list of batch should be of equal size, "
                f"got sizes {sizes}"
            )
        fields = [default_collate(field) for field in zip(*batch)]
        return fields if isinstance(elem, tuple) else _rebuild_sequence(elem, fields)
    raise TypeError(_ERROR.format(type(elem)))


def default_convert(data: Any) -> Any:
    """Convert the NumPy arrays (and scalars) inside one sample to tensors, leaving the rest as
    is; the DataLoader's collate_fn when automatic batching is off (batch_size=None)."""
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray):
        return data if _is_text(data.dtype) else _make(data, None)
    if isinstance(data, (np.bool_, np.number)):
        return _make(np.asarray(data), None)
    if isinstance(data, collections.abc.Mapping):
        return _rebuild_mapping(data, {key: default_convert(data[key]) for key in data})
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # namedtuple
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _rebuild_sequence(data, [default_convert(d) for d in data])
    return data


def _stack(tensors: list[Tensor], what: str) -> Tensor:
    shape = tensors[0].shape
    for i, t in enumerate(tensors):
        if t.shape != shape:
            raise RuntimeError(
                f"default_collate: cannot stack {what} of different shapes: sample 0 has shape "
                f"{tuple(shape)}, sample {i} has {tuple(t.shape)}"
            )
    return stack(tensors)


def _is_text(dtype: np.dtype) -> bool:
    return dtype.kind in "SaUO"


def _rebuild_mapping(like: collections.abc.Mapping, values: dict) -> Any:
    """`values` in a mapping of the same type as `like` where that type allows it."""
    try:
        if isinstance(like, collections.abc.MutableMapping):
            clone = copy.copy(like)
            clone.update(values)
            return clone
        return type(like)(values)
    except TypeError:
        return values


def _rebuild_sequence(like: collections.abc.Sequence, values: list) -> Any:
    try:
        if isinstance(like, collections.abc.MutableSequence):
            clone = copy.copy(like)
            clone[:] = values
            return clone
        return type(like)(values)
    except TypeError:
        return values
