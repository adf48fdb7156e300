"""ember.onnx: export to ONNX, as torch.onnx (`export`, `is_in_onnx_export`, `TrainingMode`,
`OnnxExporterError`), and `verify`, which checks an export in ONNX Runtime.

`export` traces the model's forward pass through ember's primitives (every op runs as one
ember.ops Function), maps each primitive to ONNX operators (ember/onnx/mappings/) and writes the
model with the `onnx` package; ONNX Runtime judges the result. Both are the optional extra
`ember[onnx]`: this package imports without them, and says what to install when they are needed.

    import ember
    from ember.models import CNN
    ember.onnx.export(CNN(), ember.randn(1, 1, 28, 28), "cnn.onnx", input_names=["image"],
                      dynamic_axes={"image": {0: "batch"}, "output": {0: "batch"}}, check=True)
"""

from __future__ import annotations

from . import errors, mappings  # mappings registers every primitive's ONNX mapping
from .errors import OnnxExporterError, UnsupportedOperatorError
from .exporter import DEFAULT_OPSET, MIN_OPSET, TrainingMode, export, is_in_onnx_export
from .registry import supported
from .verification import verify

__all__ = ["DEFAULT_OPSET", "MIN_OPSET", "OnnxExporterError", "TrainingMode",
           "UnsupportedOperatorError", "errors", "export", "is_in_onnx_export", "supported",
           "verify"]
