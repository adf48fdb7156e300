"""PyTorch's tensor repr for dense tensors, following torch/_tensor_str.py with default options.

One formatter per tensor picks a number style (whole-valued floats as `1.`, fixed point as
`1.0000`, or scientific as `1.0000e+10`) and one column width, so that every element lines up.
"""

from __future__ import annotations

import math

import numpy as np

from . import dtypes as _dt
from .dtypes import is_float

PRECISION = 4
THRESHOLD = 1000  # more elements than this are summarized with "..."
EDGEITEMS = 3
LINEWIDTH = 80



def _implied(np_dtype: np.dtype) -> bool:
    """Whether PyTorch leaves the dtype out of a non-empty tensor's repr: the default float
    dtype, int64 and bool."""
    return np_dtype in (_dt.default_float.np, np.dtype(np.int64), np.dtype(np.bool_))


class _Formatter:
    def __init__(self, values: np.ndarray) -> None:
        self.floating = is_float(values.dtype)
        self.int_mode, self.sci_mode, self.width = True, False, 1
        if not self.floating:
            self.width = max((len(str(v)) for v in values.reshape(-1).tolist()), default=1)
            return
        flat = values.reshape(-1).astype(np.float64)
        shown = flat[np.isfinite(flat) & (flat != 0)]
        if shown.size == 0:
            return
        magnitude = np.abs(shown)
        lo, hi = magnitude.min(), magnitude.max()
        self.int_mode = bool((shown == np.ceil(shown)).all())
        self.sci_mode = bool(hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4)
        if self.sci_mode:
            widths = (len(f"{v:.{PRECISION}e}") for v in shown.tolist())
        elif self.int_mode:
            widths = (len(f"{v:.0f}") + 1 for v in shown.tolist())  # +1 for the trailing "."
        else:
            widths = (len(f"{v:.{PRECISION}f}") for v in shown.tolist())
        self.width = max(widths)

    def format(self, value) -> str:
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:{self.width}.{PRECISION}e}"
        elif self.int_mode:
            text = f"{value:.0f}" + ("" if math.isinf(value) or math.isnan(value) else ".")
        else:
            text = f"{value:.{PRECISION}f}"
        return text.rjust(self.width)


def _summarized(a: np.ndarray) -> np.ndarray:
    """Only the elements a summarized repr shows (they alone set the formatter's width)."""
    if a.ndim == 0:
        return a
    if a.shape[0] > 2 * EDGEITEMS:
        a = np.concatenate((a[:EDGEITEMS], a[-EDGEITEMS:]))
    return a if a.ndim == 1 else np.stack([_summarized(row) for row in a])


def _vector_str(a: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    per_line = max(1, (LINEWIDTH - indent) // (fmt.width + 2))
    if summarize and a.shape[0] > 2 * EDGEITEMS:
        items = ([fmt.format(v) for v in a[:EDGEITEMS].tolist()] + [" ..."]
                 + [fmt.format(v) for v in a[-EDGEITEMS:].tolist()])
    else:
        items = [fmt.format(v) for v in a.tolist()]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _array_str(a: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    if a.ndim == 0:
        return fmt.format(a.item())
    if a.ndim == 1:
        return _vector_str(a, indent, summarize, fmt)
    rows = range(a.shape[0])
    if summarize and a.shape[0] > 2 * EDGEITEMS:
        rows = [*range(EDGEITEMS), None, *range(a.shape[0] - EDGEITEMS, a.shape[0])]
    parts = ["..." if i is None else _array_str(a[i], indent + 1, summarize, fmt) for i in rows]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def _add_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    """Append ", dtype=..." etc., wrapping onto a new line where the last one would be too long."""
    parts = [text]
    # torch's measure, off by one where text has no newline (rfind gives -1); kept to match it
    last_line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > LINEWIDTH:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    return "".join(parts) + ")"


def tensor_repr(t) -> str:
    data = t._data
    prefix = "tensor("
    suffixes = []
    if data.size == 0:
        body = "[]"
        if data.ndim != 1:
            suffixes.append(f"size={tuple(data.shape)}")
        if data.dtype != _dt.default_float.np:
            suffixes.append(f"dtype=ember.{t.dtype.name}")
    else:
        summarize = data.size > THRESHOLD
        fmt = _Formatter(_summarized(data) if summarize else data)
        body = _array_str(data, len(prefix), summarize, fmt)
        if not _implied(data.dtype):
            suffixes.append(f"dtype=ember.{t.dtype.name}")
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, len(prefix))
