"""Grad mode: no_grad, enable_grad, set_grad_enabled, inference_mode, and anomaly detection."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable


class _GradMode:
    """enabled: ops are recorded. anomaly: detect_anomaly is on. graph_backward: the engine is
    running a backward pass that is itself recorded (create_graph=True), so Functions hand
    their backward formulas Tensors instead of arrays. hooks_seen: a tensor hook or retain_grad
    was ever registered, so the engine must look for them (until then it skips the checks).
    tracer: what `trace_ops` installed (ember.onnx's recorder), told of every op that runs and
    every in-place write. watch: anomaly or a tracer is on, so ops take the path that reports
    to them; the one flag the hot paths test."""

    __slots__ = ("enabled", "anomaly", "graph_backward", "hooks_seen", "tracer", "watch")

    def __init__(self) -> None:
        self.enabled = True
        self.anomaly = False
        self.graph_backward = False
        self.hooks_seen = False
        self.tracer = None
        self.watch = False

    def set_anomaly(self, on: bool) -> None:
        self.anomaly = on
        self.watch = bool(on) or self.tracer is not None


_mode = _GradMode()


def is_grad_enabled() -> bool:
    """True unless inside no_grad() / set_grad_enabled(False) / inference_mode(): whether ops
    record the graph."""
    return _mode.enabled


class _GradModeContext:
    """Context manager and decorator, as torch.no_grad and friends."""

    target: bool

    def __enter__(self) -> None:
        self.prev = _mode.enabled
        _mode.enabled = self.target

    def __exit__(self, *exc) -> None:
        _mode.enabled = self.prev

    def __call__(self, fn: Callable) -> Callable:
        target = self.target

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = _mode.enabled
            _mode.enabled = target
            try:
                return fn(*args, **kwargs)
            finally:
                _mode.enabled = prev

        return wrapper


class _BareDecoratorContext(_GradModeContext):
    """Also usable as a bare decorator (`@no_grad` without parentheses), as in PyTorch."""

    def __new__(cls, orig_func: Callable | None = None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_BareDecoratorContext):  # noqa: N801 - PyTorch's name
    def __init__(self, orig_func: Callable | None = None) -> None:
        self.target = False


class enable_grad(_BareDecoratorContext):  # noqa: N801
    def __init__(self, orig_func: Callable | None = None) -> None:
        self.target = True


class set_grad_enabled(_GradModeContext):  # noqa: N801
    """Sets grad mode at once (as a call) and restores it on exit (as a context)."""

    def __init__(self, mode: bool) -> None:
        self.target = bool(mode)
        self.prev = _mode.enabled
        _mode.enabled = self.target

    def __enter__(self) -> None:
        pass

    def __call__(self, fn: Callable) -> Callable:
        _mode.enabled = self.prev  # as a decorator it only applies inside fn
        return super().__call__(fn)


class inference_mode(_GradModeContext):  # noqa: N801
    def __init__(self, mode: bool = True) -> None:
        self.target = not mode


@contextlib.contextmanager
def detect_anomaly(check_nan: bool = True):
    """Raise at the first op whose forward output or backward gradient holds NaN or Inf."""
    prev = _mode.anomaly
    _mode.set_anomaly(check_nan)
    try:
        yield
    finally:
        _mode.set_anomaly(prev)


def set_detect_anomaly(mode: bool) -> None:
    """Turn anomaly detection on or off for the whole program (detect_anomaly's switch): each
    op's forward and backward output is checked for NaN and Inf, and the first op to make one
    raises RuntimeError naming it."""
    _mode.set_anomaly(bool(mode))


@contextlib.contextmanager
def trace_ops(tracer):
    """Within the block, `tracer(ctx, inputs, kwargs, output)` is called after every op that runs
    through Function.apply (ctx: the Function instance, inputs and output: Tensors, kwargs: the
    op's options), and `tracer.will_write(tensor, result)` before an in-place op writes result's
    values into tensor's memory. One tracer at a time (ember.onnx.export's)."""
    if _mode.tracer is not None:
        raise RuntimeError("trace_ops: another trace is already running (one export at a time)")
    _mode.tracer = tracer
    _mode.watch = True
    try:
        yield
    finally:
        _mode.tracer = None
        _mode.watch = bool(_mode.anomaly)
