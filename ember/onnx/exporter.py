"""ember.onnx.export: trace a model twice, map its primitives, assemble and write the ONNX model.

The second trace runs at inputs of other values and, along the dynamic axes, other sizes (each
input's elements shuffled, dynamic dims grown by repeating); ember.onnx.program explains what the
comparison of the two finds. The model is written atomically to a path (nothing is left under
the target name on an error), or into a binary file object.
"""

from __future__ import annotations

import enum
import inspect
import os
from collections.abc import Mapping

import numpy as np

from .. import __version__
from .._atomic import atomic_write
from ..autograd import no_grad
from ..autograd.grad_mode import trace_ops
from ..nn import Module
from ..tensor import Tensor
from .errors import OnnxExporterError
from .graph import GraphBuilder
from .program import align
from .registry import mapping_of
from .trace import Recorder, Trace

MIN_OPSET = 17
DEFAULT_OPSET = 20  # torch.onnx's default


class TrainingMode(enum.IntEnum):
    """torch.onnx.TrainingMode: the mode a model is exported in (ember exports EVAL graphs)."""

    EVAL = 0
    PRESERVE = 1
    TRAINING = 2


_exporting = False


def is_in_onnx_export() -> bool:
    """True while ember.onnx.export runs the model's forward pass."""
    return _exporting


def require_onnx():
    try:
        import onnx
    except ImportError:
        raise ImportError("ember.onnx needs the onnx package (and onnxruntime to check the "
                          "result): pip install 'ember[onnx]'") from None
    return onnx


def export(model, args=(), f=None, *, kwargs=None, verbose=None, input_names=None,
           output_names=None, opset_version=None, dynamo=False, export_params=True,
           keep_initializers_as_inputs=False, dynamic_axes=None,
           training=TrainingMode.EVAL, do_constant_folding=True, check=False):
    """Export `model` (an ember.nn.Module) to ONNX, as torch.onnx.export's classic exporter.

    args: the example inputs, a tuple of positional arguments (a last dict holds keyword
        arguments, as in PyTorch) or one Tensor; Tensors anywhere in them (nested in lists,
        tuples, dicts) become the graph's inputs, in order.
    f: a path or a binary file object to write to; None writes nothing. A path is written
        atomically: on any error nothing is left under its name.
    input_names, output_names: names of the graph's inputs and outputs (by default the
        forward's parameter names and "output", "output_1", ...).
    dynamic_axes: {name: {axis: symbol}} or {name: [axis, ...]}: dims that stay symbolic, so
        the file serves any size there (typically the batch).
    opset_version: 17 to the newest the installed onnx supports (default 20, as PyTorch).
    export_params: store the weights as initializers (False: they become graph inputs).
    do_constant_folding: store values computed from constants alone instead of computing them.
    keep_initializers_as_inputs: also list the initializers among the graph's inputs.
    training: TrainingMode.EVAL (the default) runs the trace in eval mode, as inference does
        (Dropout off, BatchNorm on its running statistics); PRESERVE keeps the model's mode.
    dynamo: accepted for PyTorch's signature; ember has one exporter.
    check: ember's addition: run the written model in ONNX Runtime on the example inputs (and,
        with dynamic axes, on inputs of another size) and compare with ember (see verify).

    Returns the onnx.ModelProto. Raises OnnxExporterError (UnsupportedOperatorError for a
    primitive with no ONNX mapping) when the model cannot be exported faithfully, with the op
    and the line of the model's code that ran it.
    """
    onnx = require_onnx()
    opset = _opset(opset_version, onnx)
    if not isinstance(model, Module):
        raise TypeError(f"ember.onnx.export: model must be an ember.nn.Module, got "
                        f"{type(model).__name__}")
    if training == TrainingMode.TRAINING:
        raise OnnxExporterError("ember.onnx.export: training=TrainingMode.TRAINING is not "
                                "supported; ember exports inference graphs (EVAL or PRESERVE)")
    _check_target(f)
    args, kwargs = _split_args(args, kwargs)
    tensors = _tensors_in((args, kwargs))
    names = _input_names(model, args, tensors, input_names)
    dynamic = _dynamic_axes(dynamic_axes, names, tensors)
    was_training = model.training
    if training == TrainingMode.EVAL:
        model.eval()
    try:
        first = _trace(model, args, kwargs, tensors, None)
        second = _trace(model, args, kwargs, tensors, _varied(tensors, names, dynamic))
    finally:
        model.train(was_training)
    outputs = _output_names(output_names, len(first.outputs), names)
    nodes = align(first, second)
    proto = _assemble(onnx, opset, first, second, nodes, names, outputs, dynamic,
                      _parameters(model), export_params, keep_initializers_as_inputs,
                      do_constant_folding)
    if verbose:
        print(_listing(onnx, proto.graph))
    if check:
        from .verification import compare

        for trace in (first, second) if dynamic else (first,):
            compare(proto, dict(zip(names, trace.inputs)), trace.results)
    if f is not None:
        write_model(proto, f)
    return proto


def write_model(proto, f) -> None:
    """Serialize an onnx.ModelProto to a path (atomically) or a binary file object."""
    data = proto.SerializeToString()
    if isinstance(f, (str, os.PathLike)):
        atomic_write(f, data)
    elif hasattr(f, "write"):
        f.write(data)
    else:
        raise TypeError(f"ember.onnx.export: f must be a path or a binary file object, got "
                        f"{type(f).__name__}")


def _check_target(f) -> None:
    """Fail before the (long) trace when a path cannot be written."""
    if not isinstance(f, (str, os.PathLike)):
        return
    path = os.path.abspath(f)
    if os.path.isdir(path):
        raise IsADirectoryError(f"ember.onnx.export: cannot write {os.fspath(f)!r}: it is a "
                                "directory; name the .onnx file to write")
    if not os.path.isdir(os.path.dirname(path)):
        raise FileNotFoundError(f"ember.onnx.export: cannot write {os.fspath(f)!r}: no directory "
                                f"{os.path.dirname(path)!r}")


def _listing(onnx, graph) -> str:
    """The graph as text, its weights by shape only (verbose=True)."""
    lines = [f"graph inputs: {[i.name for i in graph.input]}, outputs: "
             f"{[o.name for o in graph.output]}"]
    lines += [f"initializer {t.name}: {onnx.helper.tensor_dtype_to_np_dtype(t.data_type)}"
              f"{list(t.dims)}" for t in graph.initializer]
    lines += [onnx.printer.to_text(node).strip() for node in graph.node]
    return "\n".join(lines)


# ---- arguments ------------------------------------------------------------------------------
def _opset(version, onnx) -> int:
    newest = onnx.defs.onnx_opset_version()
    version = DEFAULT_OPSET if version is None else version
    if not isinstance(version, int) or not MIN_OPSET <= version <= newest:
        raise ValueError(f"ember.onnx.export: opset_version must be an int from {MIN_OPSET} to "
                         f"{newest} (the newest the installed onnx {onnx.__version__} knows), "
                         f"got {version!r}")
    return min(version, newest)


def _split_args(args, kwargs) -> tuple[tuple, dict]:
    if isinstance(args, Tensor):
        args = (args,)
    elif not isinstance(args, tuple):
        args = (args,)
    if kwargs is None and args and isinstance(args[-1], dict):  # PyTorch's classic convention
        args, kwargs = args[:-1], args[-1]
    return args, dict(kwargs or {})


def _tensors_in(tree) -> list[Tensor]:
    if isinstance(tree, Tensor):
        return [tree]
    if isinstance(tree, (tuple, list)):
        return [t for item in tree for t in _tensors_in(item)]
    if isinstance(tree, dict):
        return [t for item in tree.values() for t in _tensors_in(item)]
    return []


def _replace_tensors(tree, replacements: dict[int, Tensor]):
    if isinstance(tree, Tensor):
        return replacements[id(tree)]
    if isinstance(tree, (tuple, list)):
        return type(tree)(_replace_tensors(item, replacements) for item in tree)
    if isinstance(tree, dict):
        return {k: _replace_tensors(v, replacements) for k, v in tree.items()}
    return tree


def _input_names(model, args: tuple, tensors: list[Tensor], given) -> list[str]:
    """The user's names, then forward's parameter names for tensors passed directly, then
    input_N."""
    given = list(given or [])
    if len(given) > len(tensors):
        raise ValueError(f"ember.onnx.export: {len(given)} input_names for {len(tensors)} input "
                         "tensors")
    try:
        params = list(inspect.signature(model.forward).parameters)
    except (TypeError, ValueError):
        params = []
    direct = {id(a): params[i] for i, a in enumerate(args)
              if isinstance(a, Tensor) and i < len(params)}
    names = given + [direct.get(id(t), f"input_{i}") for i, t in enumerate(tensors)][len(given):]
    return _unique(names, "input_names")


def _output_names(given, count: int, inputs: list[str]) -> list[str]:
    given = list(given or [])
    if len(given) > count:
        raise ValueError(f"ember.onnx.export: {len(given)} output_names for {count} outputs")
    auto = ["output" if i == 0 else f"output_{i}" for i in range(count)]
    names = given + auto[len(given):]
    return _unique(names, "output_names", taken=set(inputs))


def _unique(names: list[str], what: str, taken: set[str] = frozenset()) -> list[str]:
    seen = set(taken)
    for name in names:
        if not isinstance(name, str) or not name or name in seen:
            raise ValueError(f"ember.onnx.export: {what} must be distinct, non-empty strings "
                             f"(not also an input's name), got {name!r} in {names}")
        seen.add(name)
    return names


def _dynamic_axes(dynamic_axes, inputs: list[str], tensors: list[Tensor]) -> dict[str, dict]:
    """{name: {axis: symbol}}, from PyTorch's two forms; input axes checked and made >= 0."""
    normalized: dict[str, dict] = {}
    for name, axes in (dynamic_axes or {}).items():
        if isinstance(axes, Mapping):
            axes = {int(a): str(s) for a, s in axes.items()}
        else:
            axes = {int(a): f"{name}_dynamic_axes_{i + 1}" for i, a in enumerate(axes)}
        if name in inputs:
            rank = tensors[inputs.index(name)]._data.ndim
            bad = [a for a in axes if not -rank <= a < rank]
            if bad:
                raise ValueError(f"ember.onnx.export: dynamic_axes[{name!r}] names axis {bad[0]}, "
                                 f"but input {name!r} has {rank} dims")
            axes = {a % rank: s for a, s in axes.items()}
        normalized[name] = axes
    return normalized


# ---- tracing --------------------------------------------------------------------------------
def _parameters(model: Module) -> dict[str, np.ndarray]:
    state = {name: p._data for name, p in model.named_parameters()}
    state.update({name: b._data for name, b in model.named_buffers()})
    return state


def _trace(model: Module, args: tuple, kwargs: dict, tensors: list[Tensor],
           varied: list[np.ndarray] | None) -> Trace:
    """Run forward under the recorder, at the given inputs or (varied) at others."""
    global _exporting
    if varied is not None:
        fresh = {id(t): Tensor(a) for t, a in zip(tensors, varied)}
        args, kwargs = _replace_tensors(args, fresh), _replace_tensors(kwargs, fresh)
        tensors = [fresh[id(t)] for t in tensors]
    feeds = [np.array(t._data, copy=True) for t in tensors]
    recorder = Recorder([t._data for t in tensors], _parameters(model))
    _exporting = True
    try:
        with no_grad(), trace_ops(recorder):
            result = model(*args, **kwargs)
    except OnnxExporterError:
        raise
    except Exception as e:
        if varied is None:
            raise
        raise OnnxExporterError(
            f"ember.onnx.export: the model fails at inputs of other values or other sizes along "
            f"the dynamic axes (shapes {[tuple(a.shape) for a in varied]}), which export runs to "
            f"find what depends on them: {type(e).__name__}: {e}") from e
    finally:
        _exporting = False
    outputs, results = [], []
    for position, out in _flat_outputs(result, ""):
        outputs.append(recorder.output_ref(out._data, position))
        results.append(np.array(out._data, copy=True))
    return Trace(recorder.steps, outputs, feeds, results, recorder.shapes, recorder.dtypes)


def _flat_outputs(result, position: str):
    if isinstance(result, Tensor):
        yield position or "", result
    elif isinstance(result, (tuple, list)) and result:
        for i, item in enumerate(result):
            yield from _flat_outputs(item, f"{position}[{i}]")
    else:
        where = f" at output{position}" if position else ""
        raise OnnxExporterError(
            f"ember.onnx.export: the model returned {type(result).__name__}{where}; an exported "
            "model returns Tensors (or tuples and lists of them): return the tensors only")


def _varied(tensors: list[Tensor], names: list[str], dynamic: dict) -> list[np.ndarray]:
    """The second trace's inputs: elements shuffled, dynamic dims grown (each symbol by its own
    step, so sizes of different symbols are told apart) by repeating the tensor along them."""
    rng = np.random.default_rng(0)
    symbols = sorted({s for axes in dynamic.values() for s in axes.values()})
    step = {s: 1 + i for i, s in enumerate(symbols)}
    varied = []
    for name, t in zip(names, tensors):
        a = t._data
        for axis, symbol in sorted(dynamic.get(name, {}).items()):
            if a.shape[axis] == 0:
                raise OnnxExporterError(f"ember.onnx.export: input {name!r} has size 0 along its "
                                        f"dynamic axis {axis}; trace with a non-empty example")
            a = np.take(a, np.arange(a.shape[axis] + step[symbol]) % a.shape[axis], axis=axis)
        if a.dtype != np.bool_ and a.size > 1:
            a = rng.permutation(a.reshape(-1)).reshape(a.shape)
        varied.append(np.array(a, copy=True))
    return varied


# ---- the ONNX model -------------------------------------------------------------------------
def _assemble(onnx, opset: int, first: Trace, second: Trace, nodes, names: list[str],
              outputs: list[str], dynamic: dict, params: dict[str, np.ndarray],
              export_params: bool, initializers_as_inputs: bool, fold: bool):
    from onnx import helper, numpy_helper

    shapes = {k: (v, second.shapes.get(k, v)) for k, v in first.shapes.items()}
    g = GraphBuilder(opset, fold, shapes, first.dtypes)
    for name in [*names, *outputs, *params]:
        g.reserve(name)
    for i, name in enumerate(names):
        g.bind(f"input:{i}", name)
    for name in params:
        g.bind(f"param:{name}", name, constant=export_params)
    for node in nodes:
        if g.foldable(node):
            g.bind_folded(f"step:{node.index}", node.output)
            continue
        mapping = mapping_of(node)
        unhandled = set(node.varying) - mapping.dynamic
        if unhandled:
            key = sorted(unhandled)[0]
            raise node.fail(f"its option {key}={node.varying[key][0]!r} changes with the inputs "
                            f"(to {node.varying[key][1]!r} at another size of the dynamic axes), "
                            "which ONNX cannot express here; export without those dynamic axes")
        g.bind(f"step:{node.index}", mapping.fn(g, node))
    _name_outputs(helper, g, [g.ref(ref) for ref in first.outputs], outputs)
    used = {name for n in g.nodes for name in n.input}
    weights = {n: params[n] for n in params if n in used}
    if export_params:
        g.initializers.update(weights)
    graph_inputs = [_value_info(helper, name, a.dtype, _input_dims(a.shape, dynamic.get(name)))
                    for name, a in zip(names, first.inputs)]
    if not export_params:
        graph_inputs += [_value_info(helper, n, a.dtype, a.shape) for n, a in weights.items()]
    if initializers_as_inputs:
        graph_inputs += [_value_info(helper, n, a.dtype, a.shape)
                         for n, a in g.initializers.items()]
    graph_outputs = [_value_info(helper, name, first.results[i].dtype,
                                 _output_dims(name, i, first, second, names, dynamic))
                     for i, name in enumerate(outputs)]
    tensors = [numpy_helper.from_array(np.ascontiguousarray(a), n)
               for n, a in g.initializers.items()]
    graph = helper.make_graph(g.nodes, "ember", graph_inputs, graph_outputs, tensors)
    opsets = [helper.make_opsetid("", opset)]
    model = helper.make_model(graph, opset_imports=opsets, producer_name="ember",
                              producer_version=__version__,
                              ir_version=helper.find_min_ir_version_for(opsets))
    onnx.checker.check_model(model)
    return model


def _name_outputs(helper, g: GraphBuilder, sources: list[str], outputs: list[str]) -> None:
    """Give the graph's outputs their names: the producing node's output is renamed, or, for a
    value that is an input, a constant or already an output, an Identity node copies it."""
    produced = {o for n in g.nodes for o in n.output}
    renames: dict[str, str] = {}
    for source, name in zip(sources, outputs):
        if source in produced and source not in renames:
            renames[source] = name
        else:
            g.nodes.append(helper.make_node("Identity", [source], [name], name=f"Identity_{name}"))
    for n in g.nodes:
        for field in (n.input, n.output):
            renamed = [renames.get(x, x) for x in field]
            del field[:]
            field.extend(renamed)


def _value_info(helper, name: str, dtype, dims):
    return helper.make_tensor_value_info(name, helper.np_dtype_to_tensor_dtype(np.dtype(dtype)),
                                         list(dims))


def _input_dims(shape: tuple, axes: dict | None) -> list:
    axes = axes or {}
    return [axes.get(i, n) for i, n in enumerate(shape)]


def _output_dims(name: str, i: int, first: Trace, second: Trace, inputs: list[str],
                 dynamic: dict) -> list:
    """Output i's dims: the user's symbols; for other dims that changed size in the second
    trace, the symbol of an input dim that changed the same way, else a new symbol."""
    shape, other = first.results[i].shape, second.results[i].shape
    given = {a % max(len(shape), 1): s for a, s in dynamic.get(name, {}).items()}
    known = {(first.inputs[k].shape[a], second.inputs[k].shape[a]): s
             for k, input_name in enumerate(inputs)
             for a, s in dynamic.get(input_name, {}).items()}
    dims = []
    for axis, (n, m) in enumerate(zip(shape, other)):
        if axis in given:
            dims.append(given[axis])
        elif n != m:
            dims.append(known.get((n, m), f"{name}_dim_{axis}"))
        else:
            dims.append(n)
    return dims
