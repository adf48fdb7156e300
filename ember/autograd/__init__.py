"""Reverse-mode autograd: Function base class, grad mode, backward engine, grad, gradcheck.

A primitive op is a Function subclass with `forward(ctx, *arrays)` and `backward(ctx, grad)`, both
on NumPy arrays, side by side. Broadcasting is undone in one place: the engine.
"""

from __future__ import annotations

from . import engine, function
from .engine import backward, grad, run_backward
from .function import Function
from .grad_mode import (
    _mode,
    detect_anomaly,
    enable_grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_detect_anomaly,
    set_grad_enabled,
)
from .gradcheck import gradcheck


def bind_tensor_class(tensor_class: type) -> None:
    """Called once by ember.tensor: ops and the engine build their outputs of this class."""
    function._Tensor = tensor_class
    engine._Tensor = tensor_class
