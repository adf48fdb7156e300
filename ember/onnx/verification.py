"""ember.onnx.verify: run an exported model in ONNX Runtime and compare with ember's outputs."""

from __future__ import annotations

import os

import numpy as np

from ..autograd import no_grad
from .errors import OnnxExporterError

RTOL, ATOL = 1e-5, 1e-5


def session(onnx_model):
    """An ONNX Runtime session (CPU) for a path, bytes, a binary file object or a ModelProto."""
    try:
        import onnxruntime
    except ImportError:
        raise ImportError("running an ONNX model needs onnxruntime: pip install 'ember[onnx]'"
                          ) from None
    if hasattr(onnx_model, "SerializeToString"):
        onnx_model = onnx_model.SerializeToString()
    elif hasattr(onnx_model, "read"):
        onnx_model = onnx_model.read()
    elif isinstance(onnx_model, os.PathLike):
        onnx_model = os.fspath(onnx_model)
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3  # errors only: ONNX Runtime's advice on graph layout is noise
    return onnxruntime.InferenceSession(onnx_model, options, providers=["CPUExecutionProvider"])


def verify(onnx_model, model, args=(), kwargs=None, *, rtol: float = RTOL,
           atol: float = ATOL) -> list[np.ndarray]:
    """Run `onnx_model` (a path, bytes, a binary file object or an onnx.ModelProto) in ONNX
    Runtime on `args` (as given to export: a tuple, a last dict of keyword arguments, or one
    Tensor) and compare each output with `model`'s own in eval mode: same shape and dtype,
    values within atol + rtol * |ember's value| (exactly equal for integers and bools).

    Returns ONNX Runtime's outputs. Raises OnnxExporterError naming the first output that
    differs and by how much.
    """
    from ..nn import Module
    from .arguments import flat_outputs, split_args, tensors_in

    args, kwargs = split_args(args, kwargs)
    tensors = tensors_in((args, kwargs))
    was_training = model.training if isinstance(model, Module) else None
    if was_training is not None:
        model.eval()
    try:
        with no_grad():
            result = model(*args, **kwargs)
    finally:
        if was_training is not None:
            model.train(was_training)
    expected = [np.array(t._data, copy=True) for _, t in flat_outputs(result, "")]
    sess = session(onnx_model)
    names = [i.name for i in sess.get_inputs()]
    feeds = dict(zip(names, (t._data for t in tensors)))
    if isinstance(model, Module) and len(names) > len(tensors):  # exported with export_params=False
        state = {n: p._data for n, p in [*model.named_parameters(), *model.named_buffers()]}
        feeds.update({n: state[n] for n in names[len(tensors):] if n in state})
    return compare(sess, feeds, expected, rtol=rtol, atol=atol)


def compare(onnx_model, feeds: dict, expected: list[np.ndarray], *, rtol: float = RTOL,
            atol: float = ATOL) -> list[np.ndarray]:
    """Run the model (or an InferenceSession) on `feeds` and compare with `expected`."""
    sess = onnx_model if hasattr(onnx_model, "run") else session(onnx_model)
    got = sess.run(None, feeds)
    if len(got) != len(expected):
        raise OnnxExporterError(f"ember.onnx.verify: the ONNX model has {len(got)} outputs, the "
                                f"ember model {len(expected)}")
    for i, (ours, theirs) in enumerate(zip(expected, got)):
        name = sess.get_outputs()[i].name
        if ours.shape != theirs.shape or ours.dtype != theirs.dtype:
            raise OnnxExporterError(
                f"ember.onnx.verify: output {name!r} is {theirs.dtype}{list(theirs.shape)} in ONNX "
                f"Runtime but {ours.dtype}{list(ours.shape)} in ember")
        if ours.dtype.kind in "fc":
            bad = ~np.isclose(theirs, ours, rtol=rtol, atol=atol, equal_nan=True)
        else:
            bad = theirs != ours
        if bad.any():
            where = np.unravel_index(np.argmax(bad), bad.shape) if bad.ndim else ()
            diff = np.abs(theirs.astype(np.float64) - ours.astype(np.float64))
            raise OnnxExporterError(
                f"ember.onnx.verify: output {name!r} differs from ember's at {bad.sum()} of "
                f"{bad.size} elements (first at index {tuple(int(k) for k in where)}: ONNX "
                f"Runtime {theirs[where]!r}, ember {ours[where]!r}; largest difference "
                f"{np.nanmax(diff):.3g}; tolerance atol={atol}, rtol={rtol})")
    return got
