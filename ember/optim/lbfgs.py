"""L-BFGS, as torch.optim.LBFGS: a quasi-Newton method that re-evaluates the model through a
closure, with an optional strong-Wolfe line search."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..tensor import Tensor, _make
from .line_search import Point, strong_wolfe
from .optimizer import Optimizer, ParamsT, check_lr, param_add_, param_copy_


def _check_line_search(line_search_fn: str | None) -> None:
    if line_search_fn is not None and line_search_fn != "strong_wolfe":
        raise RuntimeError("only 'strong_wolfe' is supported")


class LBFGS(Optimizer):
    """L-BFGS (Nocedal, 1980), a port of minFunc as PyTorch's. Each `step(closure)` runs up to
    `max_iter` iterations (and `max_eval` evaluations of the closure, which must clear the
    gradients, compute the loss, call backward() and return the loss). An iteration moves all
    parameters, seen as one flat vector θ with gradient g, along

        d = −H·g

    where H approximates the inverse Hessian from the last `history_size` pairs of steps s and
    gradient changes y (the two-loop recursion), scaled by y·s / y·y. The step size is `lr`
    (on the very first iteration min(1, 1/‖g‖₁)·lr), or with line_search_fn="strong_wolfe" the
    one a strong-Wolfe search finds from there. Iterations stop when max|g| <= tolerance_grad,
    or when the step or the change of loss falls under tolerance_change.

    All parameters form one group (per-parameter options are not supported); the state,
    kept under the first parameter as in PyTorch, holds flat vectors over all of them.
    """

    _state_shaped_like_params = False

    def __init__(self, params: ParamsT, lr: float = 1, max_iter: int = 20,
                 max_eval: int | None = None, tolerance_grad: float = 1e-7,
                 tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None) -> None:
        check_lr(lr)
        _check_line_search(line_search_fn)
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = {"lr": lr, "max_iter": max_iter, "max_eval": max_eval,
                    "tolerance_grad": tolerance_grad, "tolerance_change": tolerance_change,
                    "history_size": history_size, "line_search_fn": line_search_fn}
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")

    @property
    def _params(self) -> list[Tensor]:
        return self.param_groups[0]["params"]

    def _flat_grad(self) -> np.ndarray:
        """All gradients in one new vector (zeros for a parameter without one)."""
        return np.concatenate([
            p.grad._data.ravel() if p.grad is not None
            else np.zeros(p._data.size, dtype=p._data.dtype) for p in self._params])

    def _move(self, t: Any, d: np.ndarray) -> None:
        """θ ← θ + t·d."""
        offset = 0
        for p in self._params:
            (work,) = self._work(p, 1)
            np.multiply(d[offset:offset + p._data.size].reshape(p._data.shape), t, out=work)
            param_add_(p, work)
            offset += p._data.size

    def step(self, closure: Callable[[], Any]) -> Any:  # type: ignore[override]
        """One L-BFGS run of up to `max_iter` iterations; returns the closure's first loss."""
        group = self.param_groups[0]
        lr = group["lr"]
        max_iter, max_eval = group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        history_size = group["history_size"]
        line_search_fn = group["line_search_fn"]
        _check_line_search(line_search_fn)

        def evaluate() -> tuple[float, np.ndarray]:
            return float(self._loss(closure)), self._flat_grad()

        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        first_loss = self._loss(closure)
        loss, flat_grad = float(first_loss), self._flat_grad()
        evals = 1
        state["func_evals"] += 1
        if np.abs(flat_grad).max() <= tolerance_grad:
            return first_loss

        memory = {key: _unpacked(value) for key, value in state.items()}
        d, t = memory.get("d"), memory.get("t")
        old_dirs, old_stps, ro = memory.get("old_dirs"), memory.get("old_stps"), memory.get("ro")
        h_diag, al = memory.get("H_diag"), memory.get("al")
        prev_flat_grad, prev_loss = memory.get("prev_flat_grad"), memory.get("prev_loss")

        converged = False
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro = [], [], []
                h_diag = 1
            else:
                # Remember the last step s and gradient change y, if the curvature is positive.
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = y.dot(s)
                if ys > 1e-10:
                    if len(old_dirs) == history_size:
                        del old_dirs[0], old_stps[0], ro[0]
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / y.dot(y)
                if al is None:  # created where PyTorch creates it: the state keys' order
                    al = state["al"] = [None] * history_size
                # The two-loop recursion: d = −H·g.
                q = -flat_grad
                for i in range(len(old_dirs) - 1, -1, -1):
                    al[i] = old_stps[i].dot(q) * ro[i]
                    q -= old_dirs[i] * al[i]
                d = r = q * h_diag
                for i in range(len(old_dirs)):
                    be_i = old_dirs[i].dot(r) * ro[i]
                    r += old_stps[i] * (al[i] - be_i)
            if prev_flat_grad is None:
                prev_flat_grad = flat_grad.copy()
            else:
                np.copyto(prev_flat_grad, flat_grad)
            prev_loss = loss

            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / np.abs(flat_grad).sum()) * lr
            else:
                t = lr
            gtd = flat_grad.dot(d)
            if gtd > -tolerance_change:  # not a descent direction
                break

            step_evals = 0
            if line_search_fn is not None:
                start = [p._data.copy() for p in self._params]

                def evaluate_at(t: Any, d: np.ndarray = d,
                                start: list[np.ndarray] = start) -> tuple[float, np.ndarray]:
                    self._move(t, d)
                    found = evaluate()
                    for p, x in zip(self._params, start):
                        param_copy_(p, x)
                    return found

                # The search may spend what is left of this step's evaluations.
                found, step_evals = strong_wolfe(evaluate_at, d, Point(0, loss, flat_grad, gtd),
                                                 t, max_ls=max_eval - evals)
                t, loss, flat_grad = found.t, found.f, found.g
                self._move(t, d)
                converged = np.abs(flat_grad).max() <= tolerance_grad
            else:
                self._move(t, d)
                if n_iter != max_iter:
                    loss, flat_grad = evaluate()
                    converged = np.abs(flat_grad).max() <= tolerance_grad
                    step_evals = 1
            evals += step_evals
            state["func_evals"] += step_evals

            if n_iter == max_iter or evals >= max_eval or converged:
                break
            if np.abs(d * t).max() <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        state.update({"d": d, "t": t, "old_dirs": old_dirs, "old_stps": old_stps, "ro": ro,
                      "H_diag": h_diag, "prev_flat_grad": prev_flat_grad,
                      "prev_loss": prev_loss})
        if al is not None:
            state["al"] = al
        for key, value in state.items():
            state[key] = _packed(value)
        return first_loss


def _unpacked(value: Any) -> Any:
    """A state entry as the step computes with it: arrays, and NumPy scalars for 0-d tensors."""
    if isinstance(value, list):
        return [_unpacked(v) for v in value]
    if isinstance(value, Tensor):
        return value._data[()] if value._data.ndim == 0 else value._data
    return value


def _packed(value: Any) -> Any:
    """A state entry as PyTorch keeps it (and ember.save stores it): arrays and NumPy scalars
    as Tensors, numbers and None as they are."""
    if isinstance(value, list):
        return [_packed(v) for v in value]
    if isinstance(value, (np.ndarray, np.generic)):
        return _make(np.asarray(value), None)
    return value
