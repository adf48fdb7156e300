"""The object tree of an ember.save file: nested Python data <-> (JSON tree, named arrays).

Every tensor, NumPy array and NumPy scalar in the saved object becomes one named array (one
safetensors tensor); everything else is one JSON value::

    node := null | true | false | <int> | <finite float> | <string>      (stands for itself)
          | {"tensor": "<name>"} | {"tensor": "<name>", "requires_grad": true}
          | {"parameter": "<name>", "requires_grad": true | false}           (nn.Parameter)
          | {"ndarray": "<name>"} | {"numpy": "<name>"}          (NumPy array, NumPy scalar)
          | {"dict": [[<string or int key>, node], ...]}
          | {"list": [node, ...]} | {"tuple": [node, ...]}
          | {"float": "nan" | "inf" | "-inf"}

Array names are the dotted path of keys and indices leading to the array ("model.fc1.weight",
"optimizer.state.0.exp_avg"), so a flat state dict {"0.weight": t, ...} is stored under exactly its
own keys, as PyTorch's `safetensors.torch.load_file` expects. Paths can collide (key "a.b" next to
key "a" holding key "b"); a colliding name gets a "#<n>" suffix. Decoding never parses names: the
tree says which array goes where.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .dtypes import is_float
from .tensor import Tensor

__all__ = ["decode", "encode"]

_SCALAR_TYPES = (type(None), bool, int, float, str)
# The NumPy dtypes a safetensors file can hold that ember tensors have too (and ml_dtypes'
# bfloat16, by name: it is an optional dependency).
STORABLE_DTYPES = frozenset(
    ("float16", "bfloat16", "float32", "float64", "uint8", "int8", "int16", "int32", "int64",
     "bool")
)
_ARRAY_TAGS = ("tensor", "parameter", "ndarray", "numpy")


def encode(obj: Any, arrays: dict[str, np.ndarray]) -> Any:
    """The JSON tree of `obj`; its arrays are added to `arrays` under their names."""
    return _encode(obj, (), arrays, set())


def _encode(obj: Any, path: tuple, arrays: dict[str, np.ndarray], active: set[int]) -> Any:
    kind = type(obj)
    if kind is float and not math.isfinite(obj):
        return {"float": repr(obj)}  # "nan", "inf", "-inf": JSON has no literal for these
    if kind in _SCALAR_TYPES:  # exact types: a subclass (IntEnum) would not come back
        return obj
    if isinstance(obj, Tensor):
        # safetensors writes the raw buffer, so a transposed or sliced view must be made contiguous
        # (copying only then; np.ascontiguousarray would also turn 0-d arrays into 1-d ones)
        name = _add_array(np.asarray(obj._data, order="C"), path, arrays)
        if _is_parameter(obj):
            return {"parameter": name, "requires_grad": bool(obj.requires_grad)}
        return {"tensor": name, "requires_grad": True} if obj.requires_grad else {"tensor": name}
    if isinstance(obj, (np.ndarray, np.generic)) and obj.dtype.name in STORABLE_DTYPES:
        tag = "ndarray" if isinstance(obj, np.ndarray) else "numpy"
        return {tag: _add_array(np.asarray(obj, order="C"), path, arrays)}
    if not isinstance(obj, (dict, list, tuple)):
        raise TypeError(_unstorable(obj, path))
    if id(obj) in active:
        raise ValueError(f"ember.save: the object contains itself at {_where(path)}")
    active.add(id(obj))
    if isinstance(obj, dict):
        items = []
        for key, value in obj.items():
            if type(key) not in (str, int):
                raise TypeError(
                    f"ember.save: dict keys must be str or int, found key {key!r} of type "
                    f"{type(key).__name__} at {_where(path)}"
                )
            items.append([key, _encode(value, (*path, key), arrays, active)])
        node = {"dict": items}
    else:
        tag = "list" if isinstance(obj, list) else "tuple"
        node = {tag: [_encode(v, (*path, i), arrays, active) for i, v in enumerate(obj)]}
    active.discard(id(obj))
    return node


def _is_parameter(t: Tensor) -> bool:
    from .nn.parameter import Parameter

    return isinstance(t, Parameter)


def _add_array(array: np.ndarray, path: tuple, arrays: dict[str, np.ndarray]) -> str:
    base = ".".join(map(str, path)) if path else "tensor"
    name, n = base, 0
    while name in arrays or name == "__metadata__":  # "__metadata__" is the header's own key
        n += 1
        name = f"{base}#{n}"
    arrays[name] = array
    return name


def _where(path: tuple) -> str:
    return repr(".".join(map(str, path))) if path else "the top level"


def _unstorable(obj: Any, path: tuple) -> str:
    """Why `obj` cannot be saved, and what to save instead."""
    from .nn.module import Module
    from .optim.lr_scheduler import LRScheduler
    from .optim.optimizer import Optimizer

    kind = type(obj).__name__
    for base, what in ((Module, "an nn.Module"), (Optimizer, "an optimizer"),
                       (LRScheduler, "an LR scheduler")):
        if isinstance(obj, base):
            return (
                f"ember.save: found {what} ({kind}) at {_where(path)}; a checkpoint stores "
                "tensors and plain data, never code, so save its state_dict() instead, and "
                "restore it with load_state_dict() on a new object of the same kind"
            )
    if isinstance(obj, (np.ndarray, np.generic)):
        return (
            f"ember.save: cannot store a NumPy {'array' if obj.ndim else 'scalar'} of dtype "
            f"{obj.dtype} at {_where(path)}; storable dtypes: "
            f"{', '.join(sorted(STORABLE_DTYPES))}"
        )
    return (
        f"ember.save: cannot store object of type {kind} at {_where(path)}; a checkpoint holds "
        "Tensors, NumPy arrays, bool, int, float, str, None, and dicts, lists and tuples of them"
    )


# ---- decoding -----------------------------------------------------------------------------------


def decode(tree: Any, arrays: dict[str, np.ndarray],
           to_tensor: Callable[[np.ndarray, bool, bool], Tensor]) -> Any:
    """The object that `tree` describes, built around `arrays`.

    `to_tensor(array, requires_grad, parameter)` makes each tensor. Raises ValueError when the
    tree is malformed or does not use each array exactly once."""
    unused = dict(arrays)
    obj = _decode(tree, unused, to_tensor)
    if unused:
        raise ValueError(f"tensors {sorted(unused)} are in the file but not in the tree")
    return obj


def _decode(node: Any, unused: dict[str, np.ndarray], to_tensor) -> Any:
    if type(node) in _SCALAR_TYPES:
        return node
    if type(node) is not dict or not node:
        raise ValueError(f"unexpected node {_excerpt(node)}")
    tag, value = next(iter(node.items()))
    if tag in _ARRAY_TAGS and type(value) is str:
        return _decode_array(tag, value, node, unused, to_tensor)
    if len(node) != 1:
        raise ValueError(f"unexpected node {_excerpt(node)}")
    if tag == "float" and value in ("nan", "inf", "-inf"):
        return float(value)
    if tag in ("list", "tuple") and type(value) is list:
        items = [_decode(item, unused, to_tensor) for item in value]
        return items if tag == "list" else tuple(items)
    if tag == "dict" and type(value) is list:
        out = {}
        for entry in value:
            if type(entry) is not list or len(entry) != 2 or type(entry[0]) not in (str, int):
                raise ValueError(f"malformed dict entry {_excerpt(entry)}")
            out[entry[0]] = _decode(entry[1], unused, to_tensor)
        return out
    raise ValueError(f"unexpected node {_excerpt(node)}")


def _decode_array(tag: str, name: str, node: dict, unused: dict[str, np.ndarray], to_tensor):
    flags = {k: v for k, v in node.items() if k != tag}
    allowed = ("requires_grad",) if tag in ("tensor", "parameter") else ()
    if any(k not in allowed or type(v) is not bool for k, v in flags.items()):
        raise ValueError(f"unexpected node {_excerpt(node)}")
    if name not in unused:
        raise ValueError(f"tensor {name!r} is missing or used twice")
    array = unused.pop(name)
    if tag == "ndarray":
        return array
    if flags.get("requires_grad") and not is_float(array.dtype):
        raise ValueError(f"tensor {name!r} of dtype {array.dtype} cannot require gradients")
    if tag == "numpy":
        if array.ndim:
            raise ValueError(f"NumPy scalar {name!r} has shape {array.shape}")
        return array[()]
    return to_tensor(array, flags.get("requires_grad", False), tag == "parameter")


def _excerpt(node: Any) -> str:
    import json

    text = json.dumps(node)
    return text if len(text) <= 60 else text[:57] + "..."
