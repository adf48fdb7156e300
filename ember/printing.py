"""PyTorch-style repr: tensor([...], dtype=..., requires_grad=True / grad_fn=<...>)."""

from __future__ import annotations

import numpy as np

# dtypes PyTorch leaves out of the repr (the defaults of float and integer literals, and bool)
_IMPLIED = {np.dtype(np.float32), np.dtype(np.int64), np.dtype(np.bool_)}


def tensor_repr(t) -> str:
    data = t.data
    prefix = "tensor("
    if data.size == 0:
        body = "[]"
    elif data.dtype.kind == "f":
        body = np.array2string(data, separator=", ", prefix=prefix, precision=4,
                               floatmode="maxprec_equal", suppress_small=False,
                               threshold=1000, edgeitems=3)
    else:
        body = np.array2string(data, separator=", ", prefix=prefix, threshold=1000, edgeitems=3)
    extras = []
    if data.size == 0 and data.shape != (0,):
        extras.append(f"size={tuple(data.shape)}")
    if data.dtype not in _IMPLIED:
        extras.append(f"dtype=ember.{t.dtype.name}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    return prefix + body + "".join(", " + e for e in extras) + ")"
