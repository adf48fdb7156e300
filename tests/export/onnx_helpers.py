"""Helpers of ember.onnx's tests: export a model with a dynamic batch, check the file with
onnx's full checker, and compare ONNX Runtime with ember at the traced and another batch size."""

from __future__ import annotations

import io
import os

import pytest

import ember
import ember.onnx
from ember.onnx.arguments import flat_outputs, tensors_in


def require_onnx():
    """onnx and onnxruntime (the onnx extra): the calling test module is skipped without them,
    except under CI=true, where they must be installed."""
    try:
        import onnx
        import onnxruntime  # noqa: F401
    except ImportError:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but the onnx extra is missing: pip install 'ember[onnx]'")
        pytest.skip("the onnx extra is not installed: pip install 'ember[onnx]'",
                    allow_module_level=True)
    return onnx


onnx = require_onnx()

TOLERANCE = {"rtol": 1e-5, "atol": 1e-5}  # float32, as the issue asks
TRACED, OTHER = 2, 5  # batch sizes


def export(model, args, **kwargs):
    """Export to memory (through a file object), reload, and run onnx's full check."""
    buffer = io.BytesIO()
    ember.onnx.export(model, args, buffer, **kwargs)
    proto = onnx.load_from_string(buffer.getvalue())
    onnx.checker.check_model(proto, full_check=True)
    return proto


def check_batched(model, make_args, **kwargs):
    """Export with the batch dim dynamic (the inputs' and outputs' dims that change with it:
    the first dim, or the second of sequence-first tensors); ONNX Runtime must match ember at
    the traced batch size and at another one. make_args(n) gives the arguments for batch n."""
    args, other = make_args(TRACED), make_args(OTHER)
    inputs = tensors_in(args)
    others = tensors_in(other)
    names = [f"x{i}" for i in range(len(inputs))]
    dynamic = {n: {_batch_dim(a, b): "batch"} for n, a, b in zip(names, inputs, others)
               if a.shape != b.shape}
    outputs = [_outputs(model, a) for a in (args, other)]
    out_names = [f"y{i}" for i in range(len(outputs[0]))]
    dynamic.update({n: {_batch_dim(a, b): "batch"} for n, a, b in zip(out_names, *outputs)
                    if a.ndim and a.shape != b.shape})
    proto = export(model, args, input_names=names, output_names=out_names, dynamic_axes=dynamic,
                   **kwargs)
    assert dynamic and all(
        proto.graph.input[names.index(n)].type.tensor_type.shape.dim[d].dim_param == "batch"
        for n, axes in dynamic.items() if n in names for d in axes)
    ember.onnx.verify(proto, model, args, **TOLERANCE)
    ember.onnx.verify(proto, model, other, **TOLERANCE)
    return proto


def _batch_dim(a, b) -> int:
    """The dim whose size differs between two tensors: the batch (dim 1 of seq-first inputs)."""
    return next(d for d, (m, n) in enumerate(zip(a.shape, b.shape)) if m != n)


def _outputs(model, args) -> list:
    with ember.no_grad():
        result = model(*args)
    return [t for _, t in flat_outputs(result, "")]
