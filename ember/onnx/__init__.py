"""ember.onnx: PyTorch's ONNX export path, a placeholder until export to ONNX is built (issue 13,
"Export to ONNX, checked with ONNX Runtime"). It imports, so programs that import it load; its
functions raise NotImplementedError, except `is_in_onnx_export`, which is False."""

from __future__ import annotations

__all__ = ["export", "is_in_onnx_export"]

_NOT_YET = ("ember.onnx.{} is not implemented yet: export to ONNX is issue 13 (\"Export to ONNX, "
            "checked with ONNX Runtime\")")


def export(*args, **kwargs):
    raise NotImplementedError(_NOT_YET.format("export"))


def is_in_onnx_export() -> bool:
    return False
