"""Module backward hooks (register_full_backward_hook, register_full_backward_pre_hook), built
as PyTorch's BackwardHook is: the module's tensor inputs, and later its tensor outputs, are
routed through one identity node each, which sees the gradients of all of them at once.

ember's ops have one output each, so the identity node for n tensors is a pair of ops: a
`_Gather` node takes the n tensors and makes a 0-d token, and n `_Release` nodes make copies of
the tensors from the token. In backward each `_Release` node keeps its gradient and passes a
zero to the token; `_Gather`, which the engine runs after every `_Release` node (they consume
its output), then has all n gradients: it hands them to the hooks, which may replace them, and
passes them on to the n tensors.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..autograd import Function, is_grad_enabled
from ..tensor import Tensor, _make

_NO_INPUT_GRAD_WARNING = (
    "Full backward hook is firing when gradients are computed with respect to module outputs "
    "since no inputs require gradients. See https://docs.pytorch.org/docs/main/generated/"
    "torch.nn.Module.html#torch.nn.Module.register_full_backward_hook for more details.")


class _Route:
    """The tensors routed through one identity node: their arrays, the gradients that reach
    them in backward, and what to do with those gradients."""

    def __init__(self, tensors: list[Tensor], on_gradients) -> None:
        self.arrays = [t._data for t in tensors]
        self.grads: list = [None] * len(tensors)
        self.on_gradients = on_gradients


class _Gather(Function):
    saves_nothing = True

    def forward(ctx, *arrays, route=None):
        ctx.route = route
        return np.zeros((), dtype=arrays[0].dtype)

    def backward(ctx, token_grad):
        route = ctx.route
        grads, route.grads = route.grads, [None] * len(route.grads)
        return tuple(route.on_gradients(grads, isinstance(token_grad, Tensor)))


class _Release(Function):
    saves_nothing = True

    def forward(ctx, token, route=None, index=0):
        ctx.route, ctx.index = route, index
        # a copy: an in-place op on the module's side must not change the caller's tensor
        return route.arrays[index].copy()

    def backward(ctx, g):
        ctx.route.grads[ctx.index] = g
        return np.zeros((), dtype=ctx.route.arrays[ctx.index].dtype)


def _as_tensor(g, recorded: bool):
    return g if g is None or recorded else _make(g, None)


def _as_grad(g, recorded: bool):
    """A hook's gradient (a Tensor) as the engine carries it."""
    if g is None or recorded:
        return g
    return g._data if isinstance(g, Tensor) else np.asarray(g)


def _spread(grads: list, routed: list[bool]) -> list:
    """Gradients of the routed tensors, spread over all the tensors (None for the others)."""
    it = iter(grads)
    return [next(it) if is_routed else None for is_routed in routed]


class BackwardHook:
    """One module call's backward hooks: set up on its inputs before forward and on its outputs
    after; the hooks see (module, grad_input, grad_output) as in PyTorch, each a tuple with one
    entry per positional argument (per output), None where it is not a tensor."""

    def __init__(self, module, hooks: list, pre_hooks: list) -> None:
        self.module, self.hooks, self.pre_hooks = module, hooks, pre_hooks
        self.grad_outputs = None
        self.n_inputs = self.n_outputs = -1
        self.input_positions = self.output_positions = None
        self.inputs: list[Tensor] = []
        self.input_routed: list[bool] = []
        self.output_routed: list[bool] = []

    def _route(self, args: tuple, on_gradients) -> tuple[tuple, list | None, list, list]:
        """args with each tensor that requires grad replaced by its copy through one identity
        node; the positions of all the tensors (None when none is routed), the tensors, and
        which of them are routed."""
        positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        tensors = [args[i] for i in positions]
        routed = [t.requires_grad for t in tensors]
        if not (is_grad_enabled() and any(routed)):
            return args, None, tensors, routed
        route = _Route([t for t in tensors if t.requires_grad], on_gradients)
        token = _Gather.apply(*[t for t in tensors if t.requires_grad], route=route)
        out, k = list(args), 0
        for i, is_routed in zip(positions, routed):
            if is_routed:
                out[i] = _Release.apply(token, route=route, index=k)
                k += 1
        return tuple(out), positions, tensors, routed

    def setup_input_hook(self, args: tuple) -> tuple:
        out, self.input_positions, self.inputs, self.input_routed = self._route(
            args, self._input_grads)
        self.n_inputs = len(args)
        return out

    def setup_output_hook(self, result):
        is_tuple = isinstance(result, tuple)
        args = result if is_tuple else (result,)
        out, self.output_positions, _, self.output_routed = self._route(args,
                                                                         self._output_grads)
        self.n_outputs = len(args)
        return out if is_tuple else out[0]

    @staticmethod
    def _pack(positions: list, values: list, size: int) -> tuple:
        packed = [None] * size
        for i, v in zip(positions, values, strict=True):
            packed[i] = v
        return tuple(packed)

    def _output_grads(self, grads: list, recorded: bool) -> list:
        """The gradients of the module's outputs: to the pre-hooks, then on into the module."""
        grads = [_as_tensor(g, recorded) for g in grads]
        grad_outputs = self._pack(self.output_positions,
                                  _spread(grads, self.output_routed),
                                  self.n_outputs)
        for hook in self.pre_hooks:
            result = hook(self.module, grad_outputs)
            if result is None:
                continue
            if len(result) != len(grad_outputs):
                raise RuntimeError(f"Backward pre hook returned an invalid number of "
                                   f"grad_output, got {len(result)}, but expected "
                                   f"{len(grad_outputs)}")
            grad_outputs = tuple(result)
        self.grad_outputs = grad_outputs
        if self.input_positions is None:  # no input needs a gradient: the hooks fire here
            warnings.warn(_NO_INPUT_GRAD_WARNING, stacklevel=2)
            grad_inputs = (None,) * self.n_inputs
            for hook in self.hooks:
                result = hook(self.module, grad_inputs, grad_outputs)
                if result is not None and not (isinstance(result, tuple) and all(
                        r is None for r in result)):
                    raise RuntimeError("Backward hook for Modules where no input requires "
                                       "gradient should always return None or None for all "
                                       "gradients.")
            self.grad_outputs = None
        return [_as_grad(grad_outputs[i], recorded)
                for i, is_routed in zip(self.output_positions, self.output_routed)
                if is_routed]

    def _input_grads(self, grads: list, recorded: bool) -> list:
        """The gradients of the module's inputs: to the hooks, then on to the inputs."""
        if self.grad_outputs is None:  # reached without passing the outputs (double backward)
            return grads
        # as PyTorch's identity node, which materialises a missing gradient as zeros
        by_tensor = [_make(np.zeros_like(t._data), None) if g is None else _as_tensor(
            g, recorded) for t, g in zip(self.inputs, _spread(grads, self.input_routed))]
        grad_inputs = self._pack(self.input_positions, by_tensor, self.n_inputs)
        for hook in self.hooks:
            result = hook(self.module, grad_inputs, self.grad_outputs)
            if result is None:
                continue
            if len(result) != len(grad_inputs):
                raise RuntimeError(f"Backward hook returned an invalid number of grad_input, "
                                   f"got {len(result)}, but expected {len(grad_inputs)}")
            grad_inputs = tuple(result)
        self.grad_outputs = None
        return [_as_grad(grad_inputs[i], recorded)
                for i, is_routed in zip(self.input_positions, self.input_routed) if is_routed]
