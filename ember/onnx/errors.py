"""The errors of ember.onnx, named as torch.onnx's: every export failure is an OnnxExporterError
(a RuntimeError), and a primitive with no ONNX mapping an UnsupportedOperatorError."""

from __future__ import annotations

__all__ = ["OnnxExporterError", "UnsupportedOperatorError"]


class OnnxExporterError(RuntimeError):
    """The model cannot be exported as asked; the message says why and what to change."""


class UnsupportedOperatorError(OnnxExporterError):
    """A primitive (an ember.ops Function) that ember.onnx has no ONNX operators for."""
