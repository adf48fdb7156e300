"""Optimizer: the base class of ember's optimizers, with PyTorch's param groups and state dicts.

Subclasses implement `step()` as a plain loop over `param_groups` that computes each update in
preallocated scratch arrays with NumPy `out=` ufuncs and writes it into the parameter's array
through `param_add_` / `param_mul_` / `param_copy_`, the only writes to parameters. Hyperparameters
are read from the group once per step and passed to NumPy as Python floats, which keep float32
arrays float32 (NumPy 2 promotion).
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Callable, Iterable
from itertools import chain
from typing import Any

import numpy as np

from ..autograd import enable_grad
from ..tensor import Tensor, _make

ParamsT = Iterable[Tensor] | Iterable[dict[str, Any]] | Iterable[tuple[str, Tensor]]
StateDict = dict[str, Any]


class Optimizer:
    """torch.optim.Optimizer: `params` is an iterable of tensors, of (name, tensor) pairs, or of
    dicts that each define a parameter group with its own options."""

    # Whether each state tensor has its parameter's shape (checked when a state dict is loaded);
    # LBFGS keeps flat vectors over all parameters instead.
    _state_shaped_like_params = True
    # State that stays a float32 scalar for parameters of any dtype, as PyTorch keeps it. Unlike
    # PyTorch's load_state_dict, ember's keeps it float32 (PyTorch casts all but "step" to the
    # parameter's dtype), so that a resumed run computes what an uninterrupted one would.
    _scalar_state: frozenset[str] = frozenset({"step"})

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            f"Tensors or dicts, but got {type(params).__name__}")
        self.defaults = defaults
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        # Work arrays shaped like each parameter, reused every step; never part of the state dict.
        self._scratch: dict[Tensor, list[np.ndarray]] = {}
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {group[k]}" for k in sorted(group) if k != "params"]
        return "\n".join(lines) + "\n)"

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters (with optional per-group options) to `param_groups`."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        params = [p[1] if isinstance(p, tuple) else p for p in params]
        if names and len(names) != len(params):
            raise ValueError("all optimizer params should be with/without names. "
                             "Some param names are missing")
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                f"{type(p).__name__}")
            if not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        if len({id(p) for p in params}) != len(params):
            raise ValueError("optimizer contains a parameter group with duplicate parameters")
        for other in self.param_groups:
            if bool(names) != ("param_names" in other):
                raise ValueError("all optimizer param groups should be with/without names.")
            if not {id(p) for p in other["params"]}.isdisjoint(id(p) for p in params):
                raise ValueError("some parameters appear in more than one parameter group")
        # Like PyTorch, the group is the caller's dict, completed with the defaults.
        param_group["params"] = params
        if names:
            param_group["param_names"] = names
        for name, default in self.defaults.items():
            param_group.setdefault(name, default)
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all optimized tensors: to None, or to zeros in place."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    if set_to_none:
                        p.grad = None
                    else:
                        p.grad.grad_fn = None
                        p.grad.requires_grad = False
                        p.grad._data.fill(0)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update the parameters once. `closure` re-evaluates the model and returns the loss."""
        raise NotImplementedError

    def _loss(self, closure: Callable[[], Any] | None) -> Any:
        if closure is None:
            return None
        with enable_grad():
            return closure()

    def _work(self, p: Tensor, count: int) -> list[np.ndarray]:
        """`count` scratch arrays shaped like `p`, allocated at the first step only."""
        arrays = self._scratch.get(p)
        if arrays is None or len(arrays) < count:
            arrays = self._scratch[p] = [np.empty_like(p._data) for _ in range(count)]
        return arrays

    # ---- checkpoints ------------------------------------------------------------------
    def state_dict(self) -> StateDict:
        """The optimizer's state in PyTorch's format: per-parameter state keyed by the
        parameter's index across all groups, and the groups with "params" as index lists.

        Like PyTorch, the state tensors are the live ones, not copies."""
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {index[id(p)]: value for p, value in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: StateDict) -> None:
        """Restore a state from `state_dict()`: hyperparameters and copies of the state
        tensors (cast to their parameter's float dtype), so that training resumes exactly."""
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups "
                             f"({len(saved_groups)}) than the optimizer "
                             f"({len(self.param_groups)})")
        for group, saved in zip(self.param_groups, saved_groups):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError("loaded state dict contains a parameter group that doesn't "
                                 f"match the size of optimizer's group ({len(saved['params'])} "
                                 f"parameters saved, {len(group['params'])} in the optimizer)")
        params_of = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                             chain.from_iterable(g["params"] for g in self.param_groups)))
        state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if key not in params_of:
                raise ValueError(f"loaded state dict has state for parameter {key!r}, which "
                                 "no parameter group lists")
            param = params_of[key]
            shape = param._data.shape if self._state_shaped_like_params else None
            state[param] = {name: _restored(param, shape, key, name, v,
                                            name in self._scalar_state)
                            for name, v in value.items()}
        for group, saved in zip(self.param_groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
        self.state = state
        self.param_groups = saved_groups


def _restored(param: Tensor, shape: tuple[int, ...] | None, index: int, name: str,
              value: Any, scalar: bool) -> Any:
    """A copy of one saved state entry: tensors (also inside lists) get the parameter's float
    dtype, and must have `shape` unless it is None; `scalar` ones keep theirs."""
    if name == "step" and not isinstance(value, Tensor):  # PyTorch < 1.12 saved a number
        value = _make(np.float32(value), None)
    if isinstance(value, (list, tuple)):
        return type(value)(_restored(param, shape, index, name, v, scalar) for v in value)
    if not isinstance(value, Tensor):
        return copy.deepcopy(value)
    data = value._data
    if scalar:
        return _make(np.array(data, copy=True), None)
    if shape is not None and data.shape != shape:
        raise ValueError(f"loaded state dict has {name!r} of shape {tuple(data.shape)} for "
                         f"parameter {index}, whose shape is {tuple(shape)}")
    dtype = param._data.dtype if param._data.dtype.kind == "f" else data.dtype
    return _make(np.array(data, dtype=dtype, copy=True), None)


def check_flags(*, foreach: bool | None = None, fused: bool | None = None,
                capturable: bool = False, differentiable: bool = False) -> None:
    """PyTorch's implementation switches. ember has one implementation (the per-parameter
    loop of PyTorch's foreach=False path), so `foreach` and `fused` only select it."""
    if fused and foreach:
        raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
    if fused and differentiable:
        raise RuntimeError("`fused` does not support `differentiable`")
    if capturable:
        raise ValueError("capturable=True is for CUDA graphs; ember runs on the CPU only")
    if differentiable:
        raise NotImplementedError("differentiable=True is not supported: ember optimizers "
                                  "update parameters in place, outside autograd")


def check_range(ok: bool, what: str, value: Any) -> None:
    """Raise PyTorch's error for an invalid hyperparameter, e.g. 'Invalid learning rate: -1'."""
    if not ok:
        raise ValueError(f"Invalid {what}: {value}")


def check_betas(betas: tuple[float, float]) -> None:
    check_range(0.0 <= betas[0] < 1.0, "beta parameter at index 0", betas[0])
    check_range(0.0 <= betas[1] < 1.0, "beta parameter at index 1", betas[1])


def check_lr(lr: Any) -> None:
    if isinstance(lr, Tensor):
        raise TypeError("ember optimizers take lr as a Python float, not a Tensor")
    check_range(lr >= 0.0, "learning rate", lr)


def grad_of(p: Tensor, g: np.ndarray, work: np.ndarray, weight_decay: float,
            maximize: bool) -> np.ndarray:
    """The gradient the update uses: -grad if maximizing, plus weight_decay * param (L2).

    Written into `work` when it differs from p.grad, which must stay as backward left it."""
    if weight_decay != 0:
        np.multiply(p._data, weight_decay, out=work)
        if maximize:
            np.subtract(work, g, out=work)
        else:
            np.add(g, work, out=work)
        return work
    if maximize:
        return np.negative(g, out=work)
    return g


def square_average_(average: np.ndarray, g: np.ndarray, decay: float, work: np.ndarray) -> None:
    """average ← decay·average + (1 − decay)·g², in PyTorch's rounding order (mul_, then
    addcmul_): the second moment of Adam and its kin, RMSprop's and Adadelta's averages."""
    average *= decay
    np.multiply(g, 1.0 - decay, out=work)
    work *= g
    average += work


def lerp_(start: np.ndarray, end: np.ndarray, weight: float, work: np.ndarray) -> None:
    """start.lerp_(end, weight) by PyTorch's formula, which for accuracy starts from the
    nearer end: start + weight·(end − start), or end − (1 − weight)·(end − start)."""
    np.subtract(end, start, out=work)
    if weight < 0.5:
        work *= weight
        start += work
    else:
        work *= 1.0 - weight
        np.subtract(end, work, out=start)


def new_step() -> Tensor:
    """A fresh step counter: a 0-d float32 tensor, as PyTorch keeps it."""
    return _make(np.zeros((), dtype=np.float32), None)


# ---- the writes to parameters -------------------------------------------------------------
# Optimizers change their parameters' arrays only through these three functions, so that what
# every in-place write must also do (autograd's version counter) is done in one place.

# The only writes to parameters. Each counts as an in-place change (PyTorch's optimizers write
# under no_grad, which bumps the version), so a backward through a graph that saved a parameter
# before the step raises instead of using the new values.
def param_add_(p: Tensor, delta: np.ndarray) -> None:
    """θ ← θ + delta, in place."""
    p._data += delta
    _bump(p)


def param_mul_(p: Tensor, factor: float) -> None:
    """θ ← θ·factor, in place (decoupled weight decay)."""
    p._data *= factor
    _bump(p)


def param_copy_(p: Tensor, values: np.ndarray) -> None:
    """θ ← values, in place (LBFGS's line search going back to its starting point)."""
    np.copyto(p._data, values)
    _bump(p)


def _bump(p: Tensor) -> None:
    vc = p._vc
    if vc is not None:  # a tensor without a counter yet was saved by no graph
        vc.version += 1
