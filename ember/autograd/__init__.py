"""Reverse-mode autograd: Function base class, grad mode, backward engine, grad, gradcheck and
gradgradcheck, and (as `ember.autograd.functional`) Jacobians and Hessians.

A primitive op is a Function subclass with `forward(ctx, *arrays)` and `backward(ctx, grad)` side
by side (see function.py for how one backward formula serves first and higher-order gradients).
Broadcasting is undone in one place: the engine.
"""

from __future__ import annotations

import importlib

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
from .gradcheck import gradcheck, gradgradcheck


def bind_tensor_class(tensor_class: type) -> None:
    """Called once by ember.tensor: ops and the engine build their outputs of this class."""
    function._Tensor = tensor_class
    engine._Tensor = tensor_class


def __getattr__(name: str):
    # functional builds on ember's shape functions, which build on this package: load it late.
    if name == "functional":
        return importlib.import_module(".functional", __name__)
    raise AttributeError(f"module 'ember.autograd' has no attribute {name!r}")
