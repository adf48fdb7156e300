"""ember.device, and the device and dtype arguments of `.to(...)`, on a library that runs on the
CPU only.

A device object can name any of PyTorch's device types, as torch.device can (a program may
build `device("cuda")` and only test `.type`); placing a tensor or a module on anything but the
CPU raises the error PyTorch raises when it was built without that backend: an AssertionError
for CUDA and XPU, a RuntimeError for the others.
"""

from __future__ import annotations

import re

from . import dtypes as _dt

# PyTorch's device types, in the order of its error message.
DEVICE_TYPES = (
    "cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga",
    "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone",
)
_DEVICE_STRING = re.compile(r"([a-z_]+)(?::(\d+))?")
# The backends a CPU-only PyTorch reports with an AssertionError ("not compiled with ...").
_COMPILED_IN = {"cuda": "CUDA", "xpu": "XPU"}


class device:  # noqa: N801 - PyTorch's name
    """torch.device: a device type ('cpu', 'cuda', 'mps', ...) and an optional index.

    `device("cuda:1")`, `device("cuda", 1)` and `device(other)` as in PyTorch. Only the CPU holds
    tensors: `check_available` raises for the rest.
    """

    __slots__ = ("type", "index")

    def __init__(self, type, index: int | None = None) -> None:  # noqa: A002 - PyTorch's name
        if isinstance(type, device):
            if index is not None:
                raise TypeError("device(): argument 'type' (position 1) must be str, not "
                                "ember.device")
            self.type, self.index = type.type, type.index
            return
        if isinstance(type, int) and not isinstance(type, bool):
            raise RuntimeError(f"device({type}): an index alone names an accelerator device, and "
                               "ember has none: it runs on the CPU only")
        if not isinstance(type, str):
            raise TypeError(f"device(): expected a device string such as 'cpu' or 'cuda:0', got "
                            f"{_typename(type)}")
        match = _DEVICE_STRING.fullmatch(type)
        if match is None:
            raise RuntimeError(f"Invalid device string: {type!r}")
        kind, string_index = match.groups()
        if kind not in DEVICE_TYPES:
            raise RuntimeError(f"Expected one of {', '.join(DEVICE_TYPES)} device type at start "
                               f"of device string: {type}")
        if string_index is not None:
            if index is not None:
                raise RuntimeError(f"device(): type ({type!r}) must not include an index "
                                   "because index was passed explicitly")
            index = int(string_index)
        if index is not None and index < 0:
            raise RuntimeError("Device index must not be negative")
        self.type, self.index = kind, index

    def __eq__(self, other) -> bool:
        return (isinstance(other, device) and self.type == other.type
                and self.index == other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type={self.type!r}{index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __reduce__(self):
        return (device, (self.type, self.index))

    # `with ember.device("cpu"):` is the default already; any other device cannot be.
    def __enter__(self) -> device:
        check_available(self)
        return self

    def __exit__(self, *exc) -> None:
        return None


CPU = device("cpu")


def _typename(value) -> str:
    return type(value).__name__


def check_available(dev) -> device:
    """`dev` (a device, a string, an index or None) as a device, when it is the CPU; otherwise the
    error a PyTorch built without that backend raises, in one line."""
    if dev is None:
        return CPU
    if not isinstance(dev, device):
        dev = device(dev)
    if dev.type == "cpu":
        return dev
    backend = _COMPILED_IN.get(dev.type)
    advice = f"ember runs on the CPU only, so device '{dev}' is not available; use 'cpu'"
    if backend is not None:
        raise AssertionError(f"ember is not compiled with {backend} enabled: {advice}")
    raise RuntimeError(f"ember is not linked with support for {dev.type} devices: {advice}")


def _is_dtype(value) -> bool:
    return isinstance(value, _dt.dtype) or value in (float, int, bool)


def parse_to(method: str, args: tuple, kwargs: dict) -> tuple:
    """The (dtype or None, non_blocking, copy) of PyTorch's three `.to` forms, after checking
    the device is the CPU:

        to(device=None, dtype=None, non_blocking=False, copy=False, *, memory_format=...)
        to(dtype, non_blocking=False, copy=False, *, memory_format=...)
        to(tensor, non_blocking=False, copy=False, *, memory_format=...)

    `to(tensor)` takes the tensor's dtype (and device). Anything else is PyTorch's TypeError.
    """
    unknown = set(kwargs) - {"device", "dtype", "non_blocking", "copy", "memory_format"}
    args = list(args)
    dev = dtype = None
    if args and isinstance(getattr(args[0], "dtype", None), _dt.dtype):  # a tensor
        dtype = args.pop(0).dtype
        taken = {"device", "dtype"}
    elif args and _is_dtype(args[0]):
        dtype = args.pop(0)
        taken = {"device", "dtype"}
    else:
        if args and (args[0] is None or isinstance(args[0], (str, device, int))):
            dev = args.pop(0)
            if args and (args[0] is None or _is_dtype(args[0])):
                dtype = args.pop(0)
        taken = set()
    flags = dict(zip(("non_blocking", "copy"), args))
    clashes = (taken | set(flags)) & set(kwargs)
    if unknown or clashes or len(args) > 2 or any(not isinstance(v, bool) for v in flags.values()):
        got = ", ".join([_typename(a) for a in args] + [f"{k}={_typename(v)}"
                                                         for k, v in kwargs.items()])
        raise TypeError(f"{method}() received an invalid combination of arguments - got ({got}); "
                        "expected (device=None, dtype=None, non_blocking=False, copy=False), "
                        "(dtype, non_blocking=False, copy=False) or (tensor, non_blocking=False, "
                        "copy=False)")
    check_available(kwargs.get("device", dev))
    dtype = kwargs.get("dtype", dtype)
    return (None if dtype is None else _dt.to_dtype(dtype),
            flags.get("non_blocking", kwargs.get("non_blocking", False)),
            flags.get("copy", kwargs.get("copy", False)))
