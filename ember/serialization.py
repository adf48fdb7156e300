"""ember.save / ember.load: checkpoints as safetensors files, readable by PyTorch, free of code.

File format. A standard safetensors file: every tensor in the saved object is one safetensors
tensor; the rest of the object (nesting of dicts, lists and tuples; numbers, strings, None) is one
JSON string in the header's ``__metadata__`` under the key "ember"::

    {"version": 1, "tree": <node>}

    node := null | true | false | <int> | <finite float> | <string>      (stands for itself)
          | {"tensor": "<tensor name>"}
          | {"dict": [[<string or int key>, node], ...]}
          | {"list": [node, ...]} | {"tuple": [node, ...]}
          | {"float": "nan" | "inf" | "-inf"}

Tensor names are the dotted path of keys and indices leading to the tensor ("model.fc1.weight",
"optimizer.state.0.exp_avg"), so a flat state dict {"0.weight": t, ...} is stored under exactly its
own keys: `safetensors.torch.load_file` gives PyTorch a state dict its `load_state_dict` accepts.
Paths can collide (key "a.b" next to key "a" holding key "b"); a colliding name gets a "#<n>"
suffix. Loading never parses names: the tree says which tensor goes where.

What comes back: dicts (OrderedDict and other dict subclasses included) as plain dicts in the saved
order, with str and int keys as saved (optimizer state keyed by parameter index stays keyed by
ints); lists as lists; tuples (named tuples included) as tuples; bool, int, float, str and None as
themselves; tensors as new contiguous ember Tensors with the saved dtype, shape and values and
requires_grad=False. A tensor that appears twice in the object comes back as two independent
tensors. A file without ember metadata (written by `safetensors.torch.save_file`, say) loads as a
flat {name: Tensor} dict, sorted by name.
"""

from __future__ import annotations

import json
import math
import os
from typing import Any

import numpy as np
from safetensors import SafetensorError, safe_open
from safetensors.numpy import save_file

from ember._atomic import atomic_path
from ember.tensor import Tensor

__all__ = ["CheckpointError", "load", "save"]

_FORMAT_VERSION = 1
_TREE_KEY = "ember"
# safetensors dtype codes of the dtypes ember has (safetensors also knows BF16, U16, F8_*, ...)
_EMBER_DTYPE_CODES = {"F16", "F32", "F64", "U8", "I8", "I16", "I32", "I64", "BOOL"}
_SCALAR_TYPES = (type(None), bool, int, float, str)


class CheckpointError(RuntimeError):
    """ember.load cannot read the file: not safetensors, truncated, corrupt, or unsupported."""


def save(obj: Any, f: str | os.PathLike) -> None:
    """Save a tensor, state dict or checkpoint to the file ``f`` in safetensors format.

    ``obj`` may nest dicts (str or int keys), lists and tuples of Tensors, bool, int, float, str and
    None. The write is atomic: if it fails or the process dies midway, the previous file at ``f``
    is left intact.
    """
    path = _as_path(f, "ember.save")
    arrays: dict[str, np.ndarray] = {}
    tree = _encode(obj, (), arrays, set())
    metadata = {
        "format": "pt",  # tensors are row-major PyTorch layout; Hugging Face loaders require it
        _TREE_KEY: json.dumps(
            {"version": _FORMAT_VERSION, "tree": tree}, allow_nan=False, separators=(",", ":")
        ),
    }
    with atomic_path(path) as tmp:
        save_file(arrays, tmp, metadata=metadata)


def load(f: str | os.PathLike, map_location: Any = None, weights_only: bool = True) -> Any:
    """Load what ``ember.save`` saved to ``f``, or any safetensors file, without running any code.

    ``map_location`` may be None or "cpu" (ember tensors live on the CPU). ``weights_only`` is
    accepted for PyTorch compatibility; the file format can hold nothing but tensors and plain
    data, so loading is always as safe as PyTorch's ``weights_only=True``.

    Raises CheckpointError naming the file when it is not a safetensors file, is truncated or
    corrupt, or holds a dtype ember does not have.
    """
    path = _as_path(f, "ember.load")
    if map_location is not None and str(map_location) != "cpu":
        raise ValueError(
            f"ember.load: map_location={map_location!r} is not supported; ember tensors live on "
            "the CPU, so pass None or 'cpu'"
        )
    _check_header(path)
    try:
        with safe_open(path, framework="np") as st:
            metadata = st.metadata() or {}
            arrays = {name: st.get_tensor(name) for name in st.keys()}
    except SafetensorError as e:
        raise CheckpointError(f"cannot load {path!r}: not a valid safetensors file ({e})") from None
    tensors = {name: Tensor(array) for name, array in arrays.items()}
    if _TREE_KEY not in metadata:
        return tensors
    try:
        return _decode_tree(metadata[_TREE_KEY], tensors)
    except (ValueError, RecursionError) as e:  # json errors are ValueErrors
        raise CheckpointError(f"cannot load {path!r}: ember metadata is corrupt ({e})") from None


def _as_path(f: Any, fn: str) -> str:
    if isinstance(f, (str, os.PathLike)) and isinstance(os.fspath(f), str):
        return os.fspath(f)
    raise TypeError(f"{fn}: f must be a file path (str or os.PathLike), not {type(f).__name__}")


# ---- save: object -> (JSON tree, named arrays) -------------------------------------------------


def _encode(obj: Any, path: tuple, arrays: dict[str, np.ndarray], active: set[int]) -> Any:
    kind = type(obj)
    if kind is float and not math.isfinite(obj):
        return {"float": repr(obj)}  # "nan", "inf", "-inf": JSON has no literal for these
    if kind in _SCALAR_TYPES:  # exact types: a subclass (IntEnum, np.float64) would not come back
        return obj
    if isinstance(obj, Tensor):
        name = _unique_name(path, arrays)
        # safetensors writes the raw buffer, so a transposed or sliced view must be made contiguous
        # (copying only then; np.ascontiguousarray would also turn 0-d arrays into 1-d ones)
        arrays[name] = np.asarray(obj._data, order="C")
        return {"tensor": name}
    if not isinstance(obj, (dict, list, tuple)):
        raise TypeError(
            f"ember.save: cannot store object of type {kind.__name__} at {_where(path)}"
            f"{_hint(obj)}; a checkpoint holds Tensors, bool, int, float, str, None, and dicts, "
            "lists and tuples of them"
        )
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


def _unique_name(path: tuple, taken: dict[str, np.ndarray]) -> str:
    base = ".".join(map(str, path)) if path else "tensor"
    name, n = base, 0
    while name in taken or name == "__metadata__":  # "__metadata__" is the header's own key
        n += 1
        name = f"{base}#{n}"
    return name


def _where(path: tuple) -> str:
    return repr(".".join(map(str, path))) if path else "the top level"


def _hint(obj: Any) -> str:
    if isinstance(obj, np.ndarray):
        return " (wrap NumPy arrays with ember.from_numpy)"
    if isinstance(obj, np.generic):
        return " (convert NumPy scalars to Python numbers with .item())"
    return ""


# ---- load: header checks, then JSON tree -> object ---------------------------------------------


def _check_header(path: str) -> None:
    """Diagnose files safetensors would reject with a vague message (or read wrongly)."""
    with open(path, "rb") as file:
        size = os.fstat(file.fileno()).st_size
        head = file.read(9)
        if size < 8:
            problem = "file is empty" if size == 0 else f"file is only {size} bytes long"
            raise CheckpointError(f"cannot load {path!r}: {problem}, not a safetensors file")
        if size > 8 and head[8:9] != b"{":
            raise CheckpointError(f"cannot load {path!r}: {_describe_foreign(head)}")
        header_len = int.from_bytes(head[:8], "little")
        if header_len > size - 8:
            raise CheckpointError(
                f"cannot load {path!r}: file is truncated (its JSON header should be "
                f"{header_len} bytes, file has {size - 8} after the length prefix)"
            )
        file.seek(8)
        try:
            header = json.loads(file.read(header_len))
        except (ValueError, RecursionError) as e:
            raise CheckpointError(f"cannot load {path!r}: JSON header is corrupt ({e})") from None
    if type(header) is not dict:
        raise CheckpointError(f"cannot load {path!r}: JSON header is not an object")
    data_len = 0
    for name, info in header.items():
        if name == "__metadata__":
            continue
        try:
            code, (_begin, end) = info["dtype"], info["data_offsets"]
            data_len = max(data_len, int(end))
        except (TypeError, KeyError, ValueError):
            raise CheckpointError(
                f"cannot load {path!r}: JSON header entry of tensor {name!r} is malformed"
            ) from None
        if code not in _EMBER_DTYPE_CODES:
            raise CheckpointError(
                f"cannot load {path!r}: tensor {name!r} has dtype {code}, which ember does not "
                f"support (supported: {', '.join(sorted(_EMBER_DTYPE_CODES))})"
            )
    actual = size - 8 - header_len
    if actual < data_len:
        raise CheckpointError(
            f"cannot load {path!r}: file is truncated (header says {data_len} bytes of tensor "
            f"data, file has {actual})"
        )
    if actual > data_len:
        raise CheckpointError(
            f"cannot load {path!r}: file has {actual - data_len} unexpected bytes after the "
            f"{data_len} bytes of tensor data the header describes"
        )


def _describe_foreign(head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        kind = "a zip archive (PyTorch's torch.save format?)"
    elif head[:1] == b"\x80" and 2 <= head[1] <= 5:
        kind = "a Python pickle (an old PyTorch torch.save file?)"
    else:
        return "not a safetensors file (it does not start with a length and a JSON header)"
    return (
        f"this is {kind}, not a safetensors file; ember never unpickles. In PyTorch, convert it "
        "with safetensors.torch.save_file(torch.load(old_path), new_path)"
    )


def _decode_tree(text: str, tensors: dict[str, Tensor]) -> Any:
    doc = json.loads(text)
    if type(doc) is not dict or "tree" not in doc:
        raise ValueError("no tree")
    if doc.get("version") != _FORMAT_VERSION:
        raise ValueError(
            f"format version {doc.get('version')!r}; this ember reads version {_FORMAT_VERSION}"
        )
    unused = dict(tensors)
    obj = _decode(doc["tree"], unused)
    if unused:
        raise ValueError(f"tensors {sorted(unused)} are in the file but not in the tree")
    return obj


def _decode(node: Any, unused: dict[str, Tensor]) -> Any:
    if type(node) in _SCALAR_TYPES:
        return node
    if type(node) is not dict or len(node) != 1:
        raise ValueError(f"unexpected node {_excerpt(node)}")
    ((tag, value),) = node.items()
    if tag == "tensor" and type(value) is str:
        if value not in unused:
            raise ValueError(f"tensor {value!r} is missing or used twice")
        return unused.pop(value)
    if tag == "float" and value in ("nan", "inf", "-inf"):
        return float(value)
    if tag in ("list", "tuple") and type(value) is list:
        items = [_decode(item, unused) for item in value]
        return items if tag == "list" else tuple(items)
    if tag == "dict" and type(value) is list:
        out = {}
        for entry in value:
            if type(entry) is not list or len(entry) != 2 or type(entry[0]) not in (str, int):
                raise ValueError(f"malformed dict entry {_excerpt(entry)}")
            out[entry[0]] = _decode(entry[1], unused)
        return out
    raise ValueError(f"unexpected node {_excerpt(node)}")


def _excerpt(node: Any) -> str:
    text = json.dumps(node)
    return text if len(text) <= 60 else text[:57] + "..."
