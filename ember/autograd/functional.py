"""torch.autograd.functional: Jacobians, Hessians and their products with vectors.

Each is built from reverse mode (`grad`): a Jacobian is one vector-Jacobian product per output
element, jvp uses the double-backward trick (the vjp is linear in v, so differentiating it with
respect to v gives the Jacobian-vector product), and the Hessian is the Jacobian of the
gradient. `create_graph=True` records them so they can be differentiated again.

Shapes follow PyTorch: a Jacobian of an output shaped O by an input shaped I has shape O + I; with
several inputs (or outputs) the result is a tuple (of tuples), as they were given.
"""

from __future__ import annotations

import numpy as np

from ..shapes import stack
from . import engine
from .engine import grad
from .grad_mode import enable_grad


def _wrap(array: np.ndarray):
    """A tensor around `array` as it is (dtype kept)."""
    return engine._Tensor._from_op(array, None)


def _as_tuple(x, name: str, fn: str) -> tuple[bool, tuple]:
    is_tuple = isinstance(x, (tuple, list))
    items = tuple(x) if is_tuple else (x,)
    for i, t in enumerate(items):
        if not isinstance(t, engine._Tensor):
            raise TypeError(f"The {name} given to {fn} must be either a Tensor or a tuple of "
                            f"Tensors but the value at index {i} has type {type(t)}.")
    return is_tuple, items


def _prepare(inputs: tuple, create_graph: bool) -> tuple:
    """Inputs as fresh leaves that require grad (detached copies unless recording)."""
    out = []
    for t in inputs:
        if create_graph and t.requires_grad:
            out.append(t.view_as(t))
        else:
            out.append(t.detach().requires_grad_(True))
    return tuple(out)


def _grads(outputs: tuple, inputs: tuple, grad_outputs, create_graph: bool, strict: bool,
           fn: str) -> tuple:
    """grad, with zeros for inputs the outputs do not depend on (an error when strict)."""
    needs = [o for o in outputs if o.requires_grad]
    gos = None if grad_outputs is None else [g for o, g in zip(outputs, grad_outputs)
                                              if o.requires_grad]
    if needs:
        found = grad(needs, inputs, gos, retain_graph=True, create_graph=create_graph,
                     allow_unused=True)
    else:
        found = (None,) * len(inputs)
    result = []
    for i, (t, g) in enumerate(zip(inputs, found)):
        if g is None:
            if strict:
                raise RuntimeError(f"The output of the user-provided function is independent of "
                                   f"input {i}. This is not allowed in strict mode.")
            g = _wrap(np.zeros_like(t._data))
        result.append(g)
    return tuple(result)


def _finish(values: tuple, is_tuple: bool):
    return values if is_tuple else values[0]


def vjp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), v^T J): the vector-Jacobian product at `inputs`."""
    with enable_grad():
        in_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _prepare(inputs, create_graph)
        out_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function",
                                       "vjp")
        if v is None:
            if any(o._data.size != 1 for o in outputs):
                raise RuntimeError("The vector v can only be None if the user-provided function "
                                   "returns a single Tensor with a single element.")
            v = tuple(_wrap(np.ones_like(o._data)) for o in outputs)
        else:
            v = _as_tuple(v, "v", "vjp")[1]
        result = _grads(outputs, inputs, v, create_graph, strict, "vjp")
    outputs = tuple(o if create_graph else o.detach() for o in outputs)
    return _finish(outputs, out_tuple), _finish(result, in_tuple)


def jvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), J v): the Jacobian-vector product, by the double-backward trick."""
    with enable_grad():
        in_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _prepare(inputs, create_graph)
        if v is None:
            if any(t._data.size != 1 for t in inputs):
                raise RuntimeError("The vector v can only be None if the input to the "
                                   "user-provided function is a single Tensor with a single "
                                   "element.")
            v = tuple(_wrap(np.ones_like(t._data)) for t in inputs)
        else:
            v = _as_tuple(v, "v", "jvp")[1]
        out_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function",
                                       "jvp")
        dummies = tuple(_wrap(np.zeros_like(o._data)).requires_grad_(True)
                        for o in outputs)
        vjps = _grads(outputs, inputs, dummies, True, strict, "jvp")
        result = _grads(vjps, dummies, v, create_graph, strict, "jvp")
    outputs = tuple(o if create_graph else o.detach() for o in outputs)
    return _finish(outputs, out_tuple), _finish(result, out_tuple)


def jacobian(func, inputs, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode"):
    """d func(inputs) / d inputs, one vjp per output element."""
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError('Expected strategy to be either "forward-mode" or "reverse-mode".')
    with enable_grad():
        in_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _prepare(inputs, create_graph)
        out_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function",
                                       "jacobian")
        per_output = []
        for out in outputs:
            rows = [[] for _ in inputs]
            flat = out.reshape(-1)
            for k in range(flat._data.size):
                grads = _grads((flat[k],), inputs, None, create_graph, strict, "jacobian")
                for i, g in enumerate(grads):
                    rows[i].append(g)
            blocks = []
            for t, row in zip(inputs, rows):
                stacked = (_wrap(np.zeros((0,) + t._data.shape, t._data.dtype))
                           if not row else stack(row))
                blocks.append(stacked.reshape(tuple(out.shape) + tuple(t.shape)))
            per_output.append(_finish(tuple(blocks), in_tuple))
    if not create_graph:
        per_output = [_detached(b) for b in per_output]
    return _finish(tuple(per_output), out_tuple)


def _detached(blocks):
    if isinstance(blocks, tuple):
        return tuple(b.detach() for b in blocks)
    return blocks.detach()


def hessian(func, inputs, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode"):
    """The Hessian of a function with a single-element output: the Jacobian of its gradient."""
    in_tuple, inputs_t = _as_tuple(inputs, "inputs", "hessian")

    def gradient(*xs):
        out = func(*xs)
        if not isinstance(out, engine._Tensor) or out._data.size != 1:
            raise RuntimeError("The function given to hessian should return a single Tensor "
                               "with a single element")
        return _grads((out.reshape(()),), xs, None, True, strict, "hessian")

    result = jacobian(gradient, inputs_t, create_graph=create_graph, strict=strict,
                      strategy=outer_jacobian_strategy)
    if in_tuple:
        return result
    return result[0][0]


def vhp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), v^T H): the vector-Hessian product of a scalar function."""
    return _hessian_product(func, inputs, v, create_graph, strict, "vhp")


def hvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), H v). The Hessian is symmetric, so this is vhp's product too."""
    return _hessian_product(func, inputs, v, create_graph, strict, "hvp")


def _hessian_product(func, inputs, v, create_graph: bool, strict: bool, fn: str):
    with enable_grad():
        in_tuple, inputs = _as_tuple(inputs, "inputs", fn)
        inputs = _prepare(inputs, create_graph)
        out = func(*inputs)
        if not isinstance(out, engine._Tensor) or out._data.size != 1:
            raise RuntimeError(f"The function given to {fn} should return a single Tensor with "
                               "a single element")
        if v is None:
            if any(t._data.size != 1 for t in inputs):
                raise RuntimeError("The vector v can only be None if the input to the "
                                   "user-provided function is a single Tensor with a single "
                                   "element.")
            v = tuple(_wrap(np.ones_like(t._data)) for t in inputs)
        else:
            v = _as_tuple(v, "v", fn)[1]
        first = _grads((out,), inputs, None, True, strict, fn)
        result = _grads(first, inputs, v, create_graph, strict, fn)
    return (out if create_graph else out.detach()), _finish(result, in_tuple)
