"""Two traces of one model, lined up: what changes with the dynamic axes and what must not.

export traces the model twice: at the example inputs, and at inputs that differ from them in
values and, along the dynamic axes, in size. Both must run the same primitives on the same values.
Where the two disagree, the graph would be wrong for other inputs, so export stops and says why:
a constant that changed was computed from the inputs outside the primitives (a comparison, a
cast of an input, .item()); an option that changed (a reshape's target shape) must become
symbolic, which only the mappings that say so can do. Dims whose sizes differ are the symbolic
ones.
"""

from __future__ import annotations

import inspect

import numpy as np

from .errors import OnnxExporterError
from .trace import Const, Filled, Step, Trace, Value


class OpNode:
    """One primitive as a mapping sees it: the first trace's step, and how it varied."""

    def __init__(self, index: int, step: Step, varying: dict, in_shapes: list, out_shapes,
                 other_output: np.ndarray) -> None:
        self.index, self.step = index, step
        self.other_output = other_output  # the output in the second trace
        self.varying = varying  # option name -> (value in trace 1, value in trace 2)
        self.in_shapes = in_shapes  # per input: (shape in trace 1, shape in trace 2)
        self.out_shapes = out_shapes

    kind = property(lambda self: self.step.kind)
    fn = property(lambda self: self.step.fn)
    inputs = property(lambda self: self.step.inputs)
    kwargs = property(lambda self: self.step.kwargs)
    output = property(lambda self: self.step.output)

    @property
    def name(self) -> str:
        return self.step.describe(self.index)

    def option(self, key: str):
        """The op's option `key` as traced (its arrays as Value or Const refs), or the default
        of the primitive's forward when the caller left it out."""
        if key in self.step.kwargs:
            return self.step.kwargs[key]
        return inspect.signature(self.kind.forward).parameters[key].default

    def shape(self, i: int) -> tuple:
        """Input i's shape in the traced run (sizes of dynamic dims are only examples)."""
        return self.in_shapes[i][0]

    def dynamic(self, i: int) -> set[int]:
        """The dims of input i that change with the dynamic axes."""
        return _varying_dims(*self.in_shapes[i])

    @property
    def out_shape(self) -> tuple:
        return self.out_shapes[0]

    @property
    def out_dynamic(self) -> set[int]:
        return _varying_dims(*self.out_shapes)

    def fail(self, why: str) -> OnnxExporterError:
        return OnnxExporterError(f"ember.onnx.export: {self.name}: {why}")


def _varying_dims(a: tuple, b: tuple) -> set[int]:
    return {i for i, (m, n) in enumerate(zip(a, b)) if m != n}


def align(first: Trace, second: Trace) -> list[OpNode]:
    """The first trace's steps, checked against the second's; see the module docstring."""
    if len(first.steps) != len(second.steps) or any(
            a.kind is not b.kind for a, b in zip(first.steps, second.steps)):
        k = next((i for i, (a, b) in enumerate(zip(first.steps, second.steps))
                  if a.kind is not b.kind), min(len(first.steps), len(second.steps)))
        ran = [_describe(t.steps, k) for t in (first, second)]
        raise OnnxExporterError(
            f"ember.onnx.export: the model runs other ops for other inputs (op #{k}: {ran[0]} "
            f"at the example inputs, {ran[1]} at inputs of other values or dynamic sizes); a "
            "graph holds one path: move the branching out of forward, or make it not depend on "
            "the inputs' values or sizes")
    nodes = []
    for k, (a, b) in enumerate(zip(first.steps, second.steps)):
        in_shapes = [(_shape(x, first), _shape(y, second)) for x, y in zip(a.inputs, b.inputs)]
        inputs = list(a.inputs)
        for j, (x, y) in enumerate(zip(a.inputs, b.inputs)):
            if not _same(x, y):
                inputs[j] = _filled(x, y)
                if inputs[j] is None:
                    raise OnnxExporterError(
                        f"ember.onnx.export: {a.describe(k)}: its input {j} {_changed(x, y)}")
        a.inputs = tuple(inputs)
        varying = {}
        for key, v in a.kwargs.items():
            w = b.kwargs[key]
            if _same(v, w):
                continue
            if _holds_const(v) or _holds_const(w):
                a.kwargs[key] = _filled(v, w)
                if a.kwargs[key] is None:
                    raise OnnxExporterError(
                        f"ember.onnx.export: {a.describe(k)}: its option {key} {_changed(v, w)}")
            else:
                varying[key] = (v, w)
        nodes.append(OpNode(k, a, varying, in_shapes, (a.output.shape, b.output.shape),
                            b.output))
    for i, (x, y) in enumerate(zip(first.outputs, second.outputs)):
        if not _same(x, y):
            raise OnnxExporterError(f"ember.onnx.export: the model's output {i} {_changed(x, y)}")
    return nodes


def _filled(x, y) -> Filled | None:
    """Two constants that hold one value everywhere but differ in shape (zeros of the batch's
    size, made in forward): one Filled, which the graph makes at run time. Otherwise None."""
    if not (isinstance(x, Const) and isinstance(y, Const)):
        return None
    a, b = x.array, y.array
    if a.dtype != b.dtype or a.ndim != b.ndim or a.size == 0 or b.size == 0:
        return None
    value = a.reshape(-1)[0]
    if not (_same_array(a, np.full_like(a, value)) and _same_array(b, np.full_like(b, value))):
        return None
    return Filled(value, a.dtype, a.shape, b.shape)


def _holds_const(option) -> bool:
    if isinstance(option, Const):
        return True
    return isinstance(option, (tuple, list)) and any(_holds_const(v) for v in option)


def _describe(steps: list[Step], k: int) -> str:
    return steps[k].kind.__name__ if k < len(steps) else "nothing (the pass ended)"


def _changed(x, y) -> str:
    if _holds_const(x) and _holds_const(y):
        return ("is a tensor computed outside the traced primitives that changes with the "
                "inputs (a comparison, argmax, a cast or .item() of a value that depends on "
                "them, or a tensor made from their sizes); it would be frozen into the graph as "
                "a constant: compute it with differentiable tensor ops, or pass it as an input")
    return (f"comes from another source at other inputs ({_source(x)} at the example inputs, "
            f"{_source(y)} at others)")


def _source(ref) -> str:
    if isinstance(ref, Value):
        kind, _, name = ref.name.partition(":")
        return {"input": f"model input {name}", "param": f"'{name}'",
                "step": f"the result of op #{name}"}[kind]
    return "a constant"


def _shape(ref, trace: Trace) -> tuple:
    return ref.array.shape if isinstance(ref, Const) else trace.shapes[ref.name]


def _same(x, y) -> bool:
    """Whether two resolved inputs or options are the same in both traces."""
    if isinstance(x, Value) or isinstance(y, Value):
        return isinstance(x, Value) and isinstance(y, Value) and x.name == y.name
    if isinstance(x, Const) or isinstance(y, Const):
        return isinstance(x, Const) and isinstance(y, Const) and _same_array(x.array, y.array)
    if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
        return isinstance(x, np.ndarray) and isinstance(y, np.ndarray) and _same_array(x, y)
    if isinstance(x, (tuple, list)) or isinstance(y, (tuple, list)):
        return (type(x) is type(y) and len(x) == len(y)
                and all(_same(a, b) for a, b in zip(x, y)))
    if isinstance(x, slice) and isinstance(y, slice):
        return _same((x.start, x.stop, x.step), (y.start, y.stop, y.step))
    if isinstance(x, float) and isinstance(y, float) and np.isnan(x) and np.isnan(y):
        return True
    try:
        return bool(x == y)
    except (TypeError, ValueError):
        return x is y


def _same_array(a: np.ndarray, b: np.ndarray) -> bool:
    return (a.shape == b.shape and a.dtype == b.dtype
            and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")))
