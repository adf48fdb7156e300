"""gradcheck and gradgradcheck: autograd's first and second derivatives against central finite
differences, in float64."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from . import engine
from .engine import _as_list, grad


def gradcheck(fn: Callable, inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True) -> bool:
    """Compare autograd's gradients with central finite differences, in float64.

    Every float input must be float64 and requires_grad, as in torch.autograd.gradcheck. The
    output's gradient is probed through a fixed random projection, so non-scalar outputs work.
    """
    tensor_class = engine._Tensor
    wrap = tensor_class._from_op
    inputs = _as_list(inputs)
    diff = [t for t in inputs if isinstance(t, tensor_class) and t.requires_grad]
    for t in diff:
        if t._data.dtype != np.float64:
            raise ValueError(f"gradcheck: inputs must be float64, got {t.dtype}")

    def outputs_of():
        return [o for o in _as_list(fn(*inputs)) if isinstance(o, tensor_class)]

    outs = outputs_of()
    rng = np.random.default_rng(0)
    projections = [rng.standard_normal(o._data.shape) for o in outs]

    def objective() -> float:
        # In grad mode: fn may differentiate inside (gradgradcheck's does).
        return math.fsum(float((o._data * p).sum()) for o, p in zip(outputs_of(), projections))

    analytic = grad([o for o in outs if o.requires_grad],
                    diff, [wrap(p, None) for o, p in zip(outs, projections) if o.requires_grad],
                    allow_unused=True)
    for k, (t, a) in enumerate(zip(diff, analytic)):
        numeric = np.zeros_like(t._data)
        flat, num_flat = t._data.reshape(-1), numeric.reshape(-1)
        for i in range(flat.size):
            orig = flat[i]
            flat[i] = orig + eps
            plus = objective()
            flat[i] = orig - eps
            minus = objective()
            flat[i] = orig
            num_flat[i] = (plus - minus) / (2 * eps)
        got = np.zeros_like(numeric) if a is None else a._data
        if not np.allclose(got, numeric, atol=atol, rtol=rtol):
            if not raise_exception:
                return False
            worst = np.abs(got - numeric).max()
            raise RuntimeError(
                f"gradcheck: Jacobian mismatch for input {k} (shape {tuple(t._data.shape)}): "
                f"max abs difference {worst:.3g}\nnumerical:\n{numeric}\nanalytical:\n{got}")
    return True


def gradgradcheck(fn: Callable, inputs, grad_outputs=None, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, gen_non_contig_grad_outputs: bool = False,
                  raise_exception: bool = True) -> bool:
    """Second derivatives of fn against finite differences of its first derivatives.

    gradcheck runs on the function (inputs, grad_outputs) -> d(fn)/d(inputs) . grad_outputs,
    computed with create_graph=True, as torch.autograd.gradgradcheck does: so both the
    gradients with respect to the inputs and to grad_outputs are checked. grad_outputs default
    to random float64 tensors.
    """
    tensor_class = engine._Tensor
    wrap = tensor_class._from_op
    inputs = _as_list(inputs)
    outputs = [o for o in _as_list(fn(*inputs)) if isinstance(o, tensor_class)
               and o.requires_grad]
    if grad_outputs is None:
        rng = np.random.default_rng(1)
        grad_outputs = [wrap(rng.standard_normal(o._data.shape), None).requires_grad_()
                        for o in outputs]
    grad_outputs = _as_list(grad_outputs)
    n = len(inputs)

    def first_derivatives(*args):
        xs, gos = args[:n], args[n:]
        outs = [o for o in _as_list(fn(*xs)) if isinstance(o, tensor_class) and o.requires_grad]
        diff = [x for x in xs if isinstance(x, tensor_class) and x.requires_grad]
        grads = grad(outs, diff, list(gos), create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivatives, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
