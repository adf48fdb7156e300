"""ember.save / ember.load: checkpoints as safetensors files, readable by PyTorch, free of code.

File format. A standard safetensors file: every tensor, NumPy array and NumPy scalar in the saved
object is one safetensors tensor; the rest of the object (nesting of dicts, lists and tuples;
numbers, strings, None) is one JSON string in the header's ``__metadata__`` under the key
"ember"::

    {"version": 1, "tree": <node>, "sha256": {"<tensor name>": "<hex digest>", ...}}

The tree is described in ember/_checkpoint_tree.py. "sha256" holds the SHA-256 of each tensor's
bytes as stored; `load` checks them, so a file damaged after it was written (flipped bits, a bad
copy) is reported, naming the tensor, instead of loading wrong weights. Files written by other
tools have no checksums and load all the same.

What comes back: dicts (OrderedDict and other dict subclasses included) as plain dicts in the saved
order, with str and int keys as saved (optimizer state keyed by parameter index stays keyed by
ints); lists as lists; tuples (named tuples included) as tuples; bool, int, float, str and None as
themselves; NumPy arrays and scalars as NumPy arrays and scalars; tensors as new contiguous ember
Tensors with the saved dtype, shape and values, as leaves with the saved requires_grad, and
nn.Parameters as Parameters (as torch.load gives them). A tensor that appears twice in the object
comes back as two independent tensors (PyTorch would keep them one). A file without ember metadata
(written by `safetensors.torch.save_file`, say) loads as a flat {name: Tensor} dict, sorted by
name.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import sys
from collections.abc import Callable
from typing import IO, Any

import numpy as np
from safetensors import SafetensorError, safe_open
from safetensors.numpy import load as load_bytes
from safetensors.numpy import save as save_bytes
from safetensors.numpy import save_file

from . import _checkpoint_tree, dtypes
from ._atomic import atomic_path
from .tensor import Tensor, _make

__all__ = [
    "CheckpointError",
    "add_safe_globals",
    "clear_safe_globals",
    "get_safe_globals",
    "load",
    "safe_globals",
    "save",
]

_FORMAT_VERSION = 1
_TREE_KEY = "ember"
# safetensors dtype codes of the dtypes ember has (safetensors also knows U16, F8_*, ...); BF16
# needs the optional ml_dtypes.
_EMBER_DTYPE_CODES = {"F16", "BF16", "F32", "F64", "U8", "I8", "I16", "I32", "I64", "BOOL"}


class CheckpointError(RuntimeError):
    """ember.load cannot read the file: not safetensors, truncated, corrupt, or unsupported."""


def save(obj: Any, f: str | os.PathLike | IO[bytes], pickle_module: Any = None,
         pickle_protocol: int = 2, _use_new_zipfile_serialization: bool = True) -> None:
    """Save a tensor, state dict or checkpoint to ``f`` in safetensors format, as torch.save.

    ``obj`` may nest dicts (str or int keys), lists and tuples of Tensors, NumPy arrays and
    scalars, bool, int, float, str and None. ``f`` is a path or a binary file object opened for
    writing (the bytes go at its current position). A write to a path is atomic: if it fails or
    the process dies midway, the previous file at ``f`` is left intact. ``pickle_module``,
    ``pickle_protocol`` and ``_use_new_zipfile_serialization`` are accepted for PyTorch
    compatibility: nothing is pickled.

    Raises TypeError for an object it cannot store (an nn.Module or an optimizer itself: save its
    ``state_dict()``), and AttributeError when ``f`` is neither a path nor writable.
    """
    arrays: dict[str, np.ndarray] = {}
    tree = _checkpoint_tree.encode(obj, arrays)
    doc = {"version": _FORMAT_VERSION, "tree": tree,
           "sha256": {name: _sha256(array) for name, array in arrays.items()}}
    metadata = {
        "format": "pt",  # tensors are row-major PyTorch layout; Hugging Face loaders require it
        _TREE_KEY: json.dumps(doc, allow_nan=False, separators=(",", ":")),
    }
    if _is_path(f):
        with atomic_path(f) as tmp:
            save_file(arrays, tmp, metadata=metadata)
        return
    _check_binary(f, "ember.save", "write", "wb")
    f.write(save_bytes(arrays, metadata=metadata))


def load(f: str | os.PathLike | IO[bytes], map_location: Any = None, pickle_module: Any = None,
         *, weights_only: bool | None = None, mmap: bool | None = None,
         **pickle_load_args: Any) -> Any:
    """Load what ``ember.save`` saved to ``f``, or any safetensors file, without running any code.

    ``f`` is a path or a binary file object; a file object is read from its current position to
    the end of the saved object (so several objects saved one after another read back in turn).
    ``map_location`` may be None, "cpu", ``ember.device("cpu")``, a dict mapping saved locations
    to "cpu", or a function ``(tensor, "cpu") -> tensor or None``, as in torch.load; ember tensors
    live on the CPU, so any other device is a RuntimeError. ``weights_only``, ``mmap``,
    ``pickle_module`` and pickle's arguments are accepted for PyTorch compatibility: the file
    format holds nothing but tensors and plain data, so loading is always as safe as PyTorch's
    ``weights_only=True``.

    Raises CheckpointError naming the file when it is not a safetensors file, is truncated or
    corrupt (a tensor whose bytes fail their SHA-256 checksum included), or holds a dtype ember
    does not have.
    """
    place = _placement(map_location)
    where, header, arrays = _read_file(f)

    def to_tensor(array: np.ndarray, requires_grad: bool, parameter: bool) -> Tensor:
        if parameter:
            from .nn.parameter import Parameter

            return place(Parameter(array, requires_grad=requires_grad))
        return place(_make(array, None).requires_grad_(requires_grad))

    metadata = header.get("__metadata__") or {}
    if _TREE_KEY not in metadata:
        return {name: to_tensor(arrays[name], False, False) for name in sorted(arrays)}
    try:
        doc = json.loads(metadata[_TREE_KEY])
        if type(doc) is not dict or "tree" not in doc:
            raise ValueError("no tree")
        if doc.get("version") != _FORMAT_VERSION:
            raise ValueError(f"format version {doc.get('version')!r}; this ember reads version "
                             f"{_FORMAT_VERSION}")
        _verify_checksums(doc.get("sha256"), arrays, where)
        return _checkpoint_tree.decode(doc["tree"], arrays, to_tensor)
    except (ValueError, RecursionError) as e:  # json errors are ValueErrors
        raise CheckpointError(f"cannot load {where}: ember metadata is corrupt ({e})") from None


def _read_file(f: str | os.PathLike | IO[bytes]) -> tuple[str, dict, dict[str, np.ndarray]]:
    """The file's name for messages, its checked header, and its arrays."""
    if _is_path(f):
        where = repr(os.fspath(f))
        with open(f, "rb") as file:
            header, _ = _read_header(file.read, where, os.fstat(file.fileno()).st_size)
    else:
        _check_binary(f, "ember.load", "read", "rb")
        where = _describe_file_object(f)
        header, blob = _read_stream(f, where)
    try:
        if not _is_path(f):
            return where, header, load_bytes(blob)
        with safe_open(f, framework="np") as st:
            return where, header, {name: st.get_tensor(name) for name in st.keys()}
    except SafetensorError as e:
        raise CheckpointError(f"cannot load {where}: not a valid safetensors file ({e})") from None


# ---- PyTorch's allow-list of classes for weights_only loading -----------------------------------

_safe_globals: dict = {}  # used as an ordered set


def add_safe_globals(safe_globals: list) -> None:
    """torch.serialization.add_safe_globals. Accepted and remembered; it changes nothing, because
    ember.load never unpickles, so no class needs allowing."""
    if not isinstance(safe_globals, (list, tuple, set)):
        raise TypeError(f"add_safe_globals: expected a list, got {type(safe_globals).__name__}")
    _safe_globals.update(dict.fromkeys(safe_globals))


def get_safe_globals() -> list:
    """torch.serialization.get_safe_globals: what add_safe_globals was given."""
    return list(_safe_globals)


def clear_safe_globals() -> None:
    """torch.serialization.clear_safe_globals."""
    _safe_globals.clear()


class safe_globals(contextlib.ContextDecorator):  # noqa: N801 - PyTorch's name
    """torch.serialization.safe_globals: add_safe_globals for the duration of a ``with`` block."""

    def __init__(self, safe_globals: list) -> None:
        self.safe_globals = safe_globals

    def __enter__(self) -> None:
        self._before = dict(_safe_globals)
        add_safe_globals(self.safe_globals)

    def __exit__(self, *exc: object) -> None:
        _safe_globals.clear()
        _safe_globals.update(self._before)


# ---- files and file objects ---------------------------------------------------------------------


def _is_path(f: Any) -> bool:
    return isinstance(f, (str, os.PathLike)) and isinstance(os.fspath(f), str)


def _check_binary(f: Any, fn: str, method: str, mode: str) -> None:
    if not callable(getattr(f, method, None)):
        raise AttributeError(
            f"{fn}: expected f to be a file path (str or os.PathLike) or a binary file object "
            f"with a '{method}' method, got {type(f).__name__}"
        )
    if isinstance(f, io.TextIOBase):
        raise TypeError(f"{fn}: the file object is open in text mode; open it in binary mode "
                        f"('{mode}')")


def _describe_file_object(f: Any) -> str:
    name = getattr(f, "name", None)
    return repr(name) if isinstance(name, str) else f"the {type(f).__name__} object"


def _placement(map_location: Any) -> Callable[[Tensor], Tensor]:
    """What to do with each loaded tensor, from torch.load's map_location."""
    if callable(map_location) and not isinstance(map_location, type):
        def place(t: Tensor) -> Tensor:
            moved = map_location(t, "cpu")
            return t if moved is None else moved

        return place
    target = map_location.get("cpu", "cpu") if isinstance(map_location, dict) else map_location
    if target is not None and str(target) != "cpu":
        raise RuntimeError(
            f"ember.load: map_location={map_location!r} asks for a device ember does not have; "
            "ember runs on the CPU only, so pass map_location='cpu' or leave it out"
        )
    return lambda t: t


def _sha256(array: np.ndarray) -> str:
    """The digest of the array's bytes as safetensors stores them (C order, little-endian)."""
    order = array.dtype.byteorder
    if order == ">" or (order == "=" and sys.byteorder == "big"):
        array = array.byteswap()
    return hashlib.sha256(np.ascontiguousarray(array).reshape(-1).view(np.uint8)).hexdigest()


def _verify_checksums(sums: Any, arrays: dict[str, np.ndarray], where: str) -> None:
    if sums is None:  # written before ember stored checksums
        return
    if type(sums) is not dict or set(sums) != set(arrays):
        raise ValueError("its SHA-256 checksums do not list the file's tensors")
    for name, array in arrays.items():
        if _sha256(array) != sums[name]:
            raise CheckpointError(
                f"cannot load {where}: tensor {name!r} is damaged: its bytes do not match the "
                "SHA-256 checksum saved with them (the file changed after it was written: a "
                "failing disk or a bad copy?)"
            )


# ---- header checks: diagnose what safetensors would reject vaguely (or read wrongly) ------------

_MAX_HEADER_LEN = 100_000_000  # safetensors refuses larger headers


def _read_stream(f: IO[bytes], where: str) -> tuple[dict, bytes]:
    """The header and the bytes of one safetensors file, read from `f`'s current position up to
    the file's end (not beyond: another object may follow)."""
    consumed: list[bytes] = []

    def read(n: int) -> bytes:
        consumed.append(f.read(n))
        return consumed[-1]

    header, data_len = _read_header(read, where, None)
    data = read(data_len)
    if len(data) < data_len:
        raise CheckpointError(f"cannot load {where}: file is truncated (header says {data_len} "
                              f"bytes of tensor data, file has {len(data)})")
    return header, b"".join(consumed)


def _read_header(read: Callable[[int], bytes], where: str, size: int | None) -> tuple[dict, int]:
    """Read the length prefix and the JSON header with `read`; check the header's entries and, when
    the file's `size` is known, that the tensor data it describes is all there and no more.

    Returns the header and the length of the tensor data."""
    head = read(9)
    if len(head) < 8:
        problem = "file is empty" if not head else f"file is only {len(head)} bytes long"
        raise CheckpointError(f"cannot load {where}: {problem}, not a safetensors file")
    if len(head) > 8 and head[8:9] != b"{":
        raise CheckpointError(f"cannot load {where}: {_describe_foreign(head)}")
    header_len = int.from_bytes(head[:8], "little")
    if size is not None and header_len > size - 8:
        raise CheckpointError(
            f"cannot load {where}: file is truncated (its JSON header should be {header_len} "
            f"bytes, file has {size - 8} after the length prefix)"
        )
    if header_len > _MAX_HEADER_LEN:
        raise CheckpointError(f"cannot load {where}: not a safetensors file (its header length, "
                              f"{header_len} bytes, is implausible)")
    rest = read(header_len - 1) if len(head) > 8 else b""
    got = len(head) - 8 + len(rest)
    if got < header_len:
        raise CheckpointError(
            f"cannot load {where}: file is truncated (its JSON header should be {header_len} "
            f"bytes, file has {got} after the length prefix)"
        )
    try:
        header = json.loads(head[8:] + rest)
    except (ValueError, RecursionError) as e:
        raise CheckpointError(f"cannot load {where}: JSON header is corrupt ({e})") from None
    data_len = _data_length(header, where)
    if size is not None:
        actual = size - 8 - header_len
        if actual < data_len:
            raise CheckpointError(
                f"cannot load {where}: file is truncated (header says {data_len} bytes of tensor "
                f"data, file has {actual})"
            )
        if actual > data_len:
            raise CheckpointError(
                f"cannot load {where}: file has {actual - data_len} unexpected bytes after the "
                f"{data_len} bytes of tensor data the header describes"
            )
    return header, data_len


def _data_length(header: Any, where: str) -> int:
    """The bytes of tensor data the header describes; CheckpointError for a malformed entry or a
    dtype ember does not have."""
    if type(header) is not dict:
        raise CheckpointError(f"cannot load {where}: JSON header is not an object")
    data_len = 0
    for name, info in header.items():
        if name == "__metadata__":
            continue
        try:
            code, (_begin, end) = info["dtype"], info["data_offsets"]
            data_len = max(data_len, int(end))
        except (TypeError, KeyError, ValueError):
            raise CheckpointError(
                f"cannot load {where}: JSON header entry of tensor {name!r} is malformed"
            ) from None
        if code not in _EMBER_DTYPE_CODES:
            raise CheckpointError(
                f"cannot load {where}: tensor {name!r} has dtype {code}, which ember does not "
                f"support (supported: {', '.join(sorted(_EMBER_DTYPE_CODES))})"
            )
        if code == "BF16":
            try:
                dtypes.bfloat16  # noqa: B018 - loads ml_dtypes and registers ember.bfloat16
            except ImportError as e:
                raise CheckpointError(f"cannot load {where}: tensor {name!r} has dtype BF16; "
                                      f"{e}") from None
    return data_len


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
