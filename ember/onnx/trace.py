"""Tracing a forward pass: every primitive that runs, in order, with its inputs, options and output.

`Recorder` is installed with ember.autograd.grad_mode.trace_ops, which makes Function.apply
report each op (its ctx, input Tensors, options and output Tensor) and the in-place machinery
report each write. A value is known by its NumPy array: the array of a model input, a parameter
or buffer, or an op's output is bound to a name ("input:0", "param:fc1.weight", "step:12"), so
aliases of a tensor (detach(), .data, the alias an in-place op computes from) resolve to the same
value. Any other array an op reads is a constant (`Const`): made in forward (a mask, a scalar),
or computed outside the primitives. An in-place write rebinds the written array to the new value
and marks every other array sharing its memory as stale, so reading a view of overwritten memory
later is an error rather than a silently wrong graph.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field

import numpy as np

from ..tensor import Tensor
from .errors import OnnxExporterError

_EMBER_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_TOO_HARD = getattr(np, "exceptions", np).TooHardError  # NumPy < 1.25 has it at the top
_LAYER_FILES = (os.path.join(_EMBER_DIR, "nn", "modules") + os.sep,
                os.path.join(_EMBER_DIR, "models.py"))


class Value:
    """A traced value: a model input, a parameter or buffer, or an op's output."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"Value({self.name})"


class Const:
    """An array an op read that no traced value holds: its values at the time of reading."""

    __slots__ = ("array",)

    def __init__(self, array: np.ndarray) -> None:
        self.array = array

    def __repr__(self) -> str:
        return f"Const({self.array.dtype}{list(self.array.shape)})"


class Filled:
    """A constant that holds one value everywhere, in a shape that changes with the dynamic
    axes (export's two traces saw `shapes`): the graph makes it at run time."""

    __slots__ = ("value", "dtype", "shapes")

    def __init__(self, value, dtype: np.dtype, *shapes: tuple) -> None:
        self.value, self.dtype, self.shapes = value, dtype, shapes

    def __repr__(self) -> str:
        return f"Filled({self.value!r}, {self.dtype}{list(self.shapes[0])})"


class _Stale:
    """What an array's binding becomes when an in-place write changed its memory through
    another tensor."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


@dataclass
class Step:
    """One primitive as it ran: its Function instance (ctx) and the resolved inputs and options."""

    fn: object
    inputs: tuple
    kwargs: dict
    output: np.ndarray  # a copy, if the output's memory was later written in place
    where: str  # the line of the model's code that ran it

    @property
    def kind(self) -> type:
        return type(self.fn)

    def describe(self, index: int) -> str:
        return f"{self.kind.__name__} (op #{index}, at {self.where})"


@dataclass
class Trace:
    """A recorded forward pass: the steps; the model's outputs (refs); the inputs it ran at and
    the outputs it gave (copies)."""

    steps: list[Step]
    outputs: list
    inputs: list[np.ndarray]
    results: list[np.ndarray]
    shapes: dict[str, tuple] = field(default_factory=dict)  # value name -> shape
    dtypes: dict[str, np.dtype] = field(default_factory=dict)


class Recorder:
    """The tracer that trace_ops installs; see the module docstring."""

    def __init__(self, inputs: list[np.ndarray], params: dict[str, np.ndarray]) -> None:
        self.steps: list[Step] = []
        self.bindings: dict[int, Value | _Stale] = {}
        self.arrays: dict[int, np.ndarray] = {}  # what is bound, kept alive so ids stay unique
        self.consts: dict[int, Const] = {}  # one Const per array read, while its memory holds
        self.frozen: dict[int, str] = {}  # parameters and buffers: never written
        self.shapes: dict[str, tuple] = {}
        self.dtypes: dict[str, np.dtype] = {}
        for name, array in params.items():
            self.frozen[id(array)] = name
            self._bind(array, f"param:{name}")
        for i, array in enumerate(inputs):
            if id(array) not in self.bindings:  # the same tensor twice: its first position
                self._bind(array, f"input:{i}")

    def _bind(self, array: np.ndarray, name: str) -> Value:
        value = Value(name)
        self.bindings[id(array)] = value
        self.arrays[id(array)] = array
        self.shapes[name] = array.shape
        self.dtypes[name] = array.dtype
        return value

    # ---- the trace_ops protocol ---------------------------------------------------------
    # --8<-- [start:record]
    def __call__(self, ctx, inputs, kwargs: dict, out) -> None:
        index = len(self.steps)
        where = _source_line()
        refs = tuple(self.ref(t._data, f"{type(ctx).__name__} (op #{index}, at {where})")
                     for t in inputs)
        options = {key: self._resolve(v, type(ctx).__name__, index, where)
                   for key, v in kwargs.items()}
        self.steps.append(Step(ctx, refs, options, out._data, where))
        self._bind(out._data, f"step:{index}")
    # --8<-- [end:record]

    def will_write(self, tensor, result) -> None:
        """`tensor`'s memory is about to receive `result`'s values (an in-place op)."""
        target = tensor._data
        for key, array in self.arrays.items():
            if not _overlap(array, target):
                continue
            if key in self.frozen:
                raise OnnxExporterError(
                    f"ember.onnx.export: forward changes the parameter or buffer "
                    f"'{self.frozen[key]}' in place (at {_source_line()}); an exported graph "
                    "cannot update its weights: change a copy (clone()) instead")
            if array is not target and key in self.bindings:
                self.bindings[key] = _Stale(
                    f"it reads memory that an in-place op at {_source_line()} changed through "
                    "another tensor sharing it (a view); ONNX has no shared memory: write into "
                    "a clone(), or read the tensor that was written")
        for step in self.steps:  # keep the values that the write is about to overwrite
            if _overlap(step.output, target):
                step.output = step.output.copy()
        for key in [k for k, c in self.consts.items() if _overlap(self.arrays[k], target)]:
            del self.consts[key]  # read again, they are new constants
        new = self.ref(result._data, f"the in-place op at {_source_line()}")
        if isinstance(new, Value):
            self.bindings[id(target)] = new
            self.arrays[id(target)] = target
        else:  # computed outside the primitives: a constant, as any other such array
            self.bindings.pop(id(target), None)
            self.consts[id(target)] = new

    # ---- resolving what an op reads -----------------------------------------------------
    def ref(self, array: np.ndarray, reader: str) -> Value | Const:
        bound = self.bindings.get(id(array))
        if isinstance(bound, _Stale):
            raise OnnxExporterError(f"ember.onnx.export: {reader} cannot be exported: "
                                    f"{bound.message}")
        if bound is not None:
            return bound
        const = self.consts.get(id(array))
        if const is None:
            const = self.consts[id(array)] = Const(np.array(array, copy=True))
            self.arrays.setdefault(id(array), array)
        return const

    def _resolve(self, option, op: str, index: int, where: str):
        """An op's option with its arrays (and Tensors) resolved to values or constants."""
        if isinstance(option, np.ndarray):
            return self.ref(option, f"{op} (op #{index}, at {where})")
        if isinstance(option, Tensor):
            return self.ref(option._data, f"{op} (op #{index}, at {where})")
        if isinstance(option, (tuple, list)):
            return type(option)(self._resolve(v, op, index, where) for v in option)
        return option

    def output_ref(self, array: np.ndarray, position: str) -> Value | Const:
        return self.ref(array, f"the model's output {position}")


def _overlap(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two arrays share memory (when that is too hard to decide exactly: assume so)."""
    try:
        return bool(np.shares_memory(a, b, max_work=100_000))
    except _TOO_HARD:
        return True


def _source_line() -> str:
    """Where the model's code ran the current op: the innermost frame outside ember, or else
    the innermost in ember's layers (the built-in models)."""
    frame = sys._getframe(2)
    layer = None
    while frame is not None:
        file = frame.f_code.co_filename
        if not file.startswith(_EMBER_DIR):
            return f"{file}:{frame.f_lineno}"
        if layer is None and file.startswith(_LAYER_FILES):
            layer = f"{file[len(_EMBER_DIR) - len('ember/'):]}:{frame.f_lineno}"
        frame = frame.f_back
    return layer or "?"
