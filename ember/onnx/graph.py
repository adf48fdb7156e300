"""GraphBuilder: the ONNX nodes, constants and names of an exported graph, as mappings add them.

Each traced value gets an ONNX name once its producer is mapped; model inputs and outputs keep the
names the user gave. Constants become initializers (one per distinct array). With constant
folding, an op whose inputs are all constant is not mapped at all: its traced output becomes an
initializer, as long as it is the same in both traces and no bigger than what it was made from.
Symbolic sizes are read at run time from a value that has the same size in both traces
(`dim`), so a reshape to (batch, -1) stays valid for any batch.
"""

from __future__ import annotations

import numpy as np

from .errors import OnnxExporterError
from .program import OpNode
from .trace import Const, Filled, Value

INT64_MAX = np.iinfo(np.int64).max


class GraphBuilder:
    def __init__(self, opset: int, fold: bool, shapes: dict[str, tuple],
                 dtypes: dict[str, np.dtype]) -> None:
        self.opset = opset
        self.fold = fold
        self.shapes = shapes  # value name -> (shape in trace 1, shape in trace 2)
        self.dtypes = dtypes  # value name -> NumPy dtype
        self.nodes: list = []
        self.initializers: dict[str, np.ndarray] = {}
        self.names: dict[str, str] = {}  # traced value name -> ONNX name
        self.constant: set[str] = set()  # traced values known before any input is read
        self.folded: dict[str, np.ndarray] = {}  # constant-folded values, stored when read
        self._taken: set[str] = set()
        self._const_names: dict[tuple, str] = {}
        self._dims: dict[tuple[str, int], str] = {}
        self._pieces: dict[str, list] = {}  # see concat_pieces
        self._count = 0

    # ---- names --------------------------------------------------------------------------
    def fresh(self, hint: str) -> str:
        name = hint
        while name in self._taken:
            self._count += 1
            name = f"{hint}_{self._count}"
        self._taken.add(name)
        return name

    def reserve(self, name: str) -> None:
        self._taken.add(name)

    def bind(self, value_name: str, onnx_name: str, constant: bool = False) -> None:
        self.names[value_name] = onnx_name
        if constant:
            self.constant.add(value_name)

    def bind_folded(self, value_name: str, array: np.ndarray) -> None:
        """A value that constant folding computed: an initializer, if anything reads it."""
        self.folded[value_name] = array
        self.constant.add(value_name)

    # ---- nodes and constants ------------------------------------------------------------
    def op(self, op_type: str, *inputs: str | None, **attrs) -> str:
        """Add a node; returns its output's name. An input of None is an omitted optional
        input; attributes of None are left out."""
        from onnx import helper

        name = self.fresh(f"{op_type}_{len(self.nodes)}")
        attrs = {k: v for k, v in attrs.items() if v is not None}
        while inputs and inputs[-1] is None:  # trailing omitted inputs are left out entirely
            inputs = inputs[:-1]
        self.nodes.append(helper.make_node(op_type, ["" if i is None else i for i in inputs],
                                           [name], name=f"{op_type}_{len(self.nodes)}", **attrs))
        return name

    def ops(self, op_type: str, count: int, *inputs: str | None, **attrs) -> list[str]:
        """A node with `count` outputs (LSTM's Y, Y_h, Y_c); returns their names."""
        from onnx import helper

        names = [self.fresh(f"{op_type}_{len(self.nodes)}_{i}") for i in range(count)]
        while inputs and inputs[-1] is None:
            inputs = inputs[:-1]
        self.nodes.append(helper.make_node(op_type, ["" if i is None else i for i in inputs],
                                           names, name=f"{op_type}_{len(self.nodes)}", **attrs))
        return names

    def concat_pieces(self, pieces: list[tuple[str, tuple[int, int]]]) -> str:
        """The 1-D concatenation of `pieces` (name, its size in each trace), as an op that
        returns several results in one flat array does; a slice that takes one piece back out
        (`piece`) reads it directly, even where its bounds change with the dynamic axes."""
        flat = self.op("Concat", *(name for name, _ in pieces), axis=0)
        starts = [0, 0]
        self._pieces[flat] = []
        for name, sizes in pieces:
            bounds = tuple((start, start + size) for start, size in zip(starts, sizes))
            self._pieces[flat].append((bounds, name))
            starts = [b[1] for b in bounds]
        return flat

    def piece(self, flat: str, first: slice, second: slice) -> str | None:
        """The piece of `flat` (see concat_pieces) that the slice takes in both traces."""
        for bounds, name in self._pieces.get(flat, ()):
            if all(s.step in (None, 1) and (s.start or 0, s.stop) == b
                   for s, b in zip((first, second), bounds)):
                return name
        return None

    def const(self, array, hint: str = "const") -> str:
        """An initializer holding `array` (one per distinct content)."""
        array = np.ascontiguousarray(array)
        key = (array.dtype.str, array.shape, array.tobytes())
        name = self._const_names.get(key)
        if name is None:
            name = self._const_names[key] = self.fresh(hint)
            self.initializers[name] = array
        return name

    def ints(self, values) -> str:
        """A 1-D int64 constant (axes, shapes, pads)."""
        return self.const(np.asarray(list(values), dtype=np.int64), hint="ints")

    def scalar(self, value, dtype) -> str:
        """A 0-d constant of `dtype` (the dtype of the tensor it combines with)."""
        return self.const(np.asarray(value, dtype=dtype), hint="scalar")

    def cast(self, x: str, dtype) -> str:
        from onnx import helper

        return self.op("Cast", x, to=helper.np_dtype_to_tensor_dtype(np.dtype(dtype)))

    # ---- the values an op reads ---------------------------------------------------------
    def ref(self, ref) -> str:
        """The ONNX name of a traced input or option: a Value's name, or a Const's initializer."""
        if isinstance(ref, Const):
            return self.const(ref.array)
        if isinstance(ref, Filled):
            return self.op("Expand", self.scalar(ref.value, ref.dtype), self.shape_of(
                *ref.shapes, infer_one=False, what="a tensor filled with one value"))
        if ref.name in self.folded:
            return self.const(self.folded[ref.name], hint="folded")
        try:
            return self.names[ref.name]
        except KeyError:  # never happens for a trace: producers run before their readers
            raise OnnxExporterError(f"ember.onnx.export: value {ref.name} has no producer"
                                    ) from None

    def array_info(self, ref) -> tuple[tuple, tuple, np.dtype]:
        """A traced input's or option's shapes (in the two traces) and dtype."""
        if isinstance(ref, Const):
            return ref.array.shape, ref.array.shape, ref.array.dtype
        if isinstance(ref, Filled):
            return (*ref.shapes, ref.dtype)
        first, second = self.shapes[ref.name]
        return first, second, self.dtypes[ref.name]

    def input(self, node: OpNode, i: int) -> str:
        return self.ref(node.inputs[i])

    def is_constant(self, ref) -> bool:
        return isinstance(ref, Const) or isinstance(ref, Value) and ref.name in self.constant

    def foldable(self, node: OpNode) -> bool:
        """Whether node's output can be stored instead of computed (constant folding)."""
        if not self.fold or node.varying:
            return False
        refs = list(node.inputs) + [r for r in _refs_in(node.kwargs.values())]
        if not all(self.is_constant(r) for r in refs):
            return False
        out, other = node.output, node.other_output
        if out.shape != other.shape or not np.array_equal(out, other, equal_nan=True):
            return False
        source_size = sum(self._size(r) for r in refs)
        return out.size <= max(64, source_size)

    def _size(self, ref) -> int:
        if isinstance(ref, Const):
            return ref.array.size
        return int(np.prod(self.shapes[ref.name][0]))

    # ---- symbolic sizes -----------------------------------------------------------------
    def dim(self, sizes: tuple[int, int], prefer=()) -> str | None:
        """A 1-element int64 tensor holding, at run time, the dim whose sizes in the two traces
        are `sizes`: read from the first value that has such a dim, trying `prefer` (refs) first.
        None when no value has it."""
        candidates = [r.name for r in prefer if isinstance(r, Value)] + list(self.names)
        for value in candidates:
            if value not in self.names or value in self.constant:
                continue
            first, second = self.shapes[value]
            for axis, pair in enumerate(zip(first, second)):
                if pair == tuple(sizes):
                    return self.shape_slice(self.names[value], axis)
        return None

    def shape_slice(self, name: str, axis: int) -> str:
        """Shape(name)[axis:axis + 1]."""
        key = (name, axis)
        if key not in self._dims:
            self._dims[key] = self.op("Shape", name, start=axis, end=axis + 1)
        return self._dims[key]

    def shape_of(self, sizes1: tuple, sizes2: tuple, prefer=(), keep: set[int] = frozenset(),
                 kept: int = 0, infer_one: bool = True, what: str = "shape") -> str:
        """A 1-D int64 shape: static sizes as constants, the ones that differ between the traces
        read at run time (see `dim`). Positions in `keep` are written as `kept` (0 for Reshape:
        copy the input's size; 1 for Expand: keep it); with `infer_one`, one size that no value
        has is left to -1 (Reshape infers it)."""
        parts: list = []
        unknown = []
        for i, (a, b) in enumerate(zip(sizes1, sizes2)):
            if i in keep:
                parts.append(kept)
            elif a == b:
                parts.append(int(a))
            else:
                found = self.dim((a, b), prefer)
                if found is None:
                    unknown.append(i)
                    parts.append(-1)
                else:
                    parts.append(found)
        if len(unknown) > (1 if infer_one else 0):
            raise OnnxExporterError(
                f"{what} {list(sizes1)} has sizes that change with the dynamic axes (dims "
                f"{unknown}) and are not the size of any value's dim; reshape with -1 there, or "
                "export with fewer dynamic axes")
        if all(isinstance(p, int) for p in parts):
            return self.ints(parts)
        pieces = [p if isinstance(p, str) else self.ints([p]) for p in parts]
        return self.op("Concat", *pieces, axis=0)

    # ---- opset-dependent forms ------------------------------------------------------------
    def reduce(self, op_type: str, x: str, axes, keepdims: bool) -> str:
        """A Reduce* node over `axes` (all dims when None), with axes as an input where the
        opset wants one (ReduceSum from 13, the others from 18)."""
        keep = int(bool(keepdims))
        if axes is None:
            return self.op(op_type, x, keepdims=keep)
        axes = [int(a) for a in (axes if isinstance(axes, (tuple, list)) else (axes,))]
        if op_type == "ReduceSum" or self.opset >= 18:
            return self.op(op_type, x, self.ints(axes), keepdims=keep)
        return self.op(op_type, x, axes=axes, keepdims=keep)


def _refs_in(options):
    for v in options:
        if isinstance(v, (Value, Const, Filled)):
            yield v
        elif isinstance(v, (tuple, list)):
            yield from _refs_in(v)
        elif isinstance(v, slice):
            yield from _refs_in((v.start, v.stop, v.step))
