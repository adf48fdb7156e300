"""ember.onnx.export: trace a model twice, map its primitives, assemble and write the ONNX model.

The second trace runs at inputs of other values and, along the dynamic axes, other sizes (see
`_varied`); ember.onnx.program explains what the comparison of the two finds. The model is
written atomically to a path (nothing is left under the target name on an error), or into a
binary file object.
"""

from __future__ import annotations

import enum

import numpy as np

from ..autograd import no_grad
from ..autograd.grad_mode import trace_ops
from ..nn import Module
from ..tensor import Tensor, _make
from . import arguments
from .errors import OnnxExporterError
from .model import assemble, check_target, listing, write_model
from .program import align
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
    check_target(f)
    args, kwargs = arguments.split_args(args, kwargs)
    tensors = arguments.tensors_in((args, kwargs))
    names = arguments.input_names(model, args, kwargs, tensors, input_names)
    dynamic = arguments.dynamic_axes_of(dynamic_axes, names, tensors)
    was_training = model.training
    if training == TrainingMode.EVAL:
        model.eval()
    try:
        first = _trace(model, args, kwargs, tensors, None)
        second = _trace(model, args, kwargs, tensors, _varied(tensors, names, dynamic))
    finally:
        model.train(was_training)
    outputs = arguments.output_names(output_names, len(first.outputs), names)
    unknown = sorted(set(dynamic) - set(names) - set(outputs))
    if unknown:
        raise ValueError(f"ember.onnx.export: dynamic_axes names {unknown[0]!r}, which is neither "
                         f"an input ({names}) nor an output ({outputs})")
    nodes = align(first, second)
    weights = _parameters(model)
    proto = assemble(onnx, opset, first, second, nodes, names, outputs, dynamic, weights,
                     export_params, keep_initializers_as_inputs, do_constant_folding)
    if verbose:
        print(listing(onnx, proto.graph))
    if check:
        from .verification import compare

        for trace in (first, second) if dynamic else (first,):
            feeds = {**weights, **dict(zip(names, trace.inputs))}
            compare(proto, {i.name: feeds[i.name] for i in proto.graph.input if i.name in feeds},
                    trace.results)
    if f is not None:
        write_model(proto, f)
    return proto


def _opset(version, onnx) -> int:
    newest = onnx.defs.onnx_opset_version()
    version = DEFAULT_OPSET if version is None else version
    if not isinstance(version, int) or not MIN_OPSET <= version <= newest:
        raise ValueError(f"ember.onnx.export: opset_version must be an int from {MIN_OPSET} to "
                         f"{newest} (the newest the installed onnx {onnx.__version__} knows), "
                         f"got {version!r}")
    return version


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
        fresh = {id(t): _make(a, None) for t, a in zip(tensors, varied)}  # dtype kept
        args = arguments.replace_tensors(args, fresh)
        kwargs = arguments.replace_tensors(kwargs, fresh)
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
    for position, out in arguments.flat_outputs(result, ""):
        outputs.append(recorder.output_ref(out._data, position))
        results.append(np.array(out._data, copy=True))
    return Trace(recorder.steps, outputs, feeds, results, recorder.shapes, recorder.dtypes)


def _varied(tensors: list[Tensor], names: list[str], dynamic: dict) -> list[np.ndarray]:
    """The second trace's inputs: dynamic dims grown by repeating the tensor along them (each
    symbol by its own step, so sizes of different symbols are told apart), then elements drawn
    at random from the tensor's own (masks are kept: a fully masked row is rarely meant)."""
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
        if a.dtype != np.bool_ and a.size > 1:  # values drawn from the input's own: in domain
            a = rng.choice(a.reshape(-1), size=a.size).reshape(a.shape)
        varied.append(np.array(a, copy=True))
    return varied
