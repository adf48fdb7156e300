"""Connectionist temporal classification: the per-sample negative log likelihood of each target
sequence over all its alignments to the input (Graves et al., 2006), in log space.

Each target of length S is extended to 2S + 1 states, blanks between and around its labels. The
forward variables alpha[t, s] (log probability of the paths that reach state s at time t) and
the backward variables beta (of the paths from s at t to the end; both include the state's own
log probability at t) are computed for the whole batch at once, one time step at a time.

The gradient is PyTorch's: exp(log_probs) - (posterior of each class at each time step), for
t below the input's length. That is the gradient with respect to the logits under a
log_softmax: the exp(log_probs) term lies in the null space of log_softmax's backward, so the
gradient that reaches the logits is the true one. Backward is written once; on Tensors (a
recorded backward pass) alpha, beta and the likelihood are recomputed as differentiable
functions of the saved log_probs, so the loss has second derivatives.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from .reduction import Gather, ScatterAdd

__all__ = ["CtcLoss", "Shift"]

_NEG_INF = -np.inf


class Shift(Function):
    """x moved `offset` places along its last axis (right for positive offsets), the vacated
    places set to `fill`."""

    op_name = "ctc_loss"  # the op that uses it
    saves_nothing = True

    def forward(ctx, x, offset=1, fill=0.0):
        ctx.offset = offset
        out = np.full_like(x, fill)
        if offset > 0:
            out[..., offset:] = x[..., :-offset]
        else:
            out[..., :offset] = x[..., -offset:]
        return out

    def backward(ctx, g):
        return Shift.call(g, offset=-ctx.offset, fill=0.0)


def _values(x) -> np.ndarray:
    """The array of an array or a Tensor."""
    return x if isinstance(x, np.ndarray) else x._data


def _logsumexp(x, axis):
    """log(sum(exp(x))) over `axis`, -inf where every term is -inf; on Tensors it records a
    graph whose gradients stay finite at those -inf entries (the shift is a constant)."""
    if isinstance(x, np.ndarray):
        with np.errstate(divide="ignore"):
            peak = np.max(x, axis=axis, keepdims=True)
            safe = np.where(np.isfinite(peak), peak, 0)
            total = np.log(np.sum(np.exp(x - safe), axis=axis, keepdims=True)) + safe
        return np.squeeze(total, axis)
    peak = np.max(_values(x), axis=axis, keepdims=True)
    safe = np.where(np.isfinite(peak), peak, 0)
    total = np.sum(np.exp(x - safe), axis=axis, keepdims=True)
    reached = _values(total) > 0
    out = np.where(reached, np.log(np.where(reached, total, 1)) + safe, _NEG_INF)
    return np.squeeze(out, axis)


class _Lattice:
    """The extended label sequences of a batch and what the recursions need of them."""

    def __init__(self, targets: np.ndarray, target_lengths: np.ndarray,
                 input_lengths: np.ndarray, time_steps: int, blank: int,
                 dtype: np.dtype) -> None:
        batch, longest = targets.shape
        states = 2 * longest + 1
        self.labels = np.full((batch, states), blank, dtype=np.int64)
        self.labels[:, 1::2] = targets
        s = np.arange(states)
        last = 2 * target_lengths[:, None]  # the final blank of each sequence
        self.valid = s <= last
        # a state may be entered from two states back unless it is a blank or repeats a label
        self.skip = np.zeros((batch, states), dtype=bool)
        self.skip[:, 2:] = (self.labels[:, 2:] != blank) & (
            self.labels[:, 2:] != self.labels[:, :-2])
        self.first = self.valid & (s < 2)  # where paths start
        self.final = self.valid & (s >= last - 1)  # where they must end
        t = np.arange(time_steps)[:, None, None]
        self.last_step = t == (input_lengths[:, None] - 1)[None]  # (T, N, 1)
        self.running = t < input_lengths[None, :, None]  # (T, N, 1)
        self.index = np.broadcast_to(self.labels[None], (time_steps, batch, states))
        self.has_steps = input_lengths > 0
        self.empty_nll = np.where(target_lengths == 0, 0.0, np.inf).astype(dtype)

    def emissions(self, log_probs):
        """log_probs at each state's label: (T, N, states)."""
        return Gather.call(log_probs, index=self.index, axis=2)


def _step(previous, emission, reach, skip, valid):
    """One step of the recursion: from the same state, the neighbour and (where allowed) the
    state two away; `reach` shifts by one or two states towards the neighbours."""
    if isinstance(previous, np.ndarray):
        return _step_on_arrays(previous, emission, reach, skip, valid)
    one = Shift.call(previous, offset=reach, fill=_NEG_INF)
    two = np.where(skip, Shift.call(previous, offset=2 * reach, fill=_NEG_INF), _NEG_INF)
    total = _logsumexp(np.stack([previous, one, two]), 0)
    return np.where(valid, emission + total, _NEG_INF)


def _step_on_arrays(previous, emission, reach, skip, valid):
    """_step without the graph's bookkeeping (a third of the time): shifted views and one
    log-sum-exp of the three terms."""
    one = np.full_like(previous, _NEG_INF)
    two = np.full_like(previous, _NEG_INF)
    if reach > 0:
        one[:, 1:] = previous[:, :-1]
        two[:, 2:] = previous[:, :-2]
    else:
        one[:, :-1] = previous[:, 1:]
        two[:, :-2] = previous[:, 2:]
    two[~skip] = _NEG_INF
    peak = np.maximum(np.maximum(previous, one), two)
    peak[peak == _NEG_INF] = 0
    total = np.exp(previous - peak)
    total += np.exp(one - peak)
    total += np.exp(two - peak)
    with np.errstate(divide="ignore"):
        total = np.log(total)
    total += peak
    total += emission
    total[~valid] = _NEG_INF
    return total


def _alpha(emit, lattice: _Lattice):
    steps = [np.where(lattice.first, emit[0], _NEG_INF)]
    for t in range(1, emit.shape[0]):
        steps.append(_step(steps[-1], emit[t], 1, lattice.skip, lattice.valid))
    return np.stack(steps)


def _beta(emit, lattice: _Lattice):
    skip_ahead = np.zeros_like(lattice.skip)
    skip_ahead[:, :-2] = lattice.skip[:, 2:]
    steps = [None] * emit.shape[0]
    following = None
    for t in range(emit.shape[0] - 1, -1, -1):
        start = np.where(lattice.final, emit[t], _NEG_INF)
        if following is None:
            current = np.where(lattice.last_step[t], start, _NEG_INF)
        else:
            current = np.where(lattice.last_step[t], start, np.where(
                lattice.running[t], _step(following, emit[t], -1, skip_ahead, lattice.valid),
                _NEG_INF))
        steps[t] = following = current
    return np.stack(steps)


def _nll(alpha, lattice: _Lattice):
    """-log p(target | input) per sample, from alpha at the last step in the two final states.
    Without time steps the empty target has probability 1, any other 0."""
    ends = np.where(lattice.last_step & lattice.final[None], alpha, _NEG_INF)
    with np.errstate(invalid="ignore"):
        nll = -_logsumexp(np.reshape(np.swapaxes(ends, 0, 1), (ends.shape[1], -1)), 1)
    return np.where(lattice.has_steps, nll, lattice.empty_nll)


class CtcLoss(Function):
    """Per-sample CTC negative log likelihood of (T, N, C) log-probabilities; the targets are
    (N, S) padded class indices with their lengths (checked by ember.nn.functional)."""

    op_name = "ctc_loss"

    def forward(ctx, log_probs, targets=None, input_lengths=None, target_lengths=None,
                blank=0, zero_infinity=False):
        lattice = ctx.lattice = _Lattice(targets, target_lengths, input_lengths,
                                         log_probs.shape[0], blank, log_probs.dtype)
        ctx.zero_infinity = zero_infinity
        ctx.save_for_backward(log_probs)
        ctx.emit = lattice.emissions(log_probs)
        ctx.alpha = _alpha(ctx.emit, lattice)
        ctx.nll = nll = _nll(ctx.alpha, lattice).astype(log_probs.dtype, copy=False)
        ctx.infinite = np.isinf(nll)
        return np.where(ctx.infinite, 0, nll) if zero_infinity else nll

    def backward(ctx, g):
        log_probs, = ctx.saved_tensors
        lattice = ctx.lattice
        if isinstance(g, np.ndarray):
            emit, alpha, nll = ctx.emit, ctx.alpha, ctx.nll
        else:
            emit = lattice.emissions(log_probs)
            alpha = _alpha(emit, lattice)
            nll = _nll(alpha, lattice)
        beta = _beta(emit, lattice)
        with np.errstate(invalid="ignore", over="ignore"):
            occupancy = np.exp(alpha + beta - emit + np.reshape(nll, (1, -1, 1)))
            occupancy = np.where(lattice.valid & lattice.running, occupancy, 0)
            posterior = ScatterAdd.call(occupancy, shape=tuple(_values(log_probs).shape),
                                        index=lattice.index, axis=2)
            grad = np.where(lattice.running, np.exp(log_probs) - posterior, 0)
        keep = ~ctx.infinite if ctx.zero_infinity else np.ones_like(ctx.infinite)
        return grad * np.reshape(np.where(keep, g, 0), (1, -1, 1))
