"""Loss primitives: each loss is one graph node, its forward and backward side by side.

Inputs arrive already checked by ember.nn.functional. Class-index losses see the class axis last
and the rest flattened into rows (see `as_rows`), so every formula below works on (rows, classes).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from ..autograd import Function
from .elementwise import Sigmoid, stable_sigmoid
from .indexing import IndexScatter
from .reduction import LogSoftmax, Softmax

__all__ = ["CrossEntropy", "SoftCrossEntropy", "NllLoss", "MseLoss", "L1Loss", "BceLoss",
           "BceWithLogitsLoss", "as_rows", "from_rows", "row_shape"]


def as_rows(x: np.ndarray) -> np.ndarray:
    """(C,) / (N, C) / (N, C, d1, ...) -> (rows, C) with the class axis last."""
    if x.ndim == 2:
        return x
    if x.ndim == 1:
        return x[None]
    return np.moveaxis(x, 1, -1).reshape(-1, x.shape[1])


def row_shape(shape: tuple) -> tuple:
    """The shape of one loss per row: the input's shape without the class axis."""
    return () if len(shape) == 1 else shape[:1] + shape[2:]


def from_rows(rows: np.ndarray, shape: tuple) -> np.ndarray:
    """Inverse of as_rows, for gradients."""
    if len(shape) == 2:
        return rows
    if len(shape) == 1:
        return rows[0]
    return np.moveaxis(rows.reshape((shape[0],) + shape[2:] + (shape[1],)), -1, 1)


def _reduce(loss: np.ndarray, reduction: str, divisor=None) -> np.ndarray:
    if reduction == "none":
        return loss
    total = np.add.reduce(loss, axis=None)
    if reduction == "sum":
        return total
    divisor = loss.size if divisor is None else divisor
    if divisor:
        return total / divisor
    with np.errstate(invalid="ignore", divide="ignore"):  # nothing to average: NaN, as PyTorch
        return total / divisor


def _upstream(g: np.ndarray, reduction: str, divisor) -> np.ndarray:
    """d(output)/d(per-element loss) times the incoming gradient."""
    if reduction == "mean":
        return g / divisor if divisor else np.zeros_like(g)
    return g


@functools.lru_cache(maxsize=64)
def _arange(n: int) -> np.ndarray:
    rows = np.arange(n)
    rows.flags.writeable = False
    return rows


@functools.lru_cache(maxsize=64)
def _row_starts(n: int, n_classes: int) -> np.ndarray:
    """Where each of n rows of n_classes starts in the flattened array."""
    starts = np.arange(0, n * n_classes, n_classes)
    starts.flags.writeable = False
    return starts


@functools.lru_cache(maxsize=64)
def _exp_safe(dtype: np.dtype, n_classes: int) -> float:
    """A bound below which exp of each of n_classes values, and their sum, stay finite."""
    return math.log(float(np.finfo(dtype).max)) - math.log(max(n_classes, 1)) - 1.0


@functools.lru_cache(maxsize=64)
def _ones(n: int, dtype: np.dtype) -> np.ndarray:
    ones = np.ones(n, dtype)
    ones.flags.writeable = False
    return ones


@functools.lru_cache(maxsize=64)
def _mean_weights(n: int, dtype: np.dtype) -> np.ndarray:
    weights = np.full(n, 1 / n, dtype)
    weights.flags.writeable = False
    return weights


def _mean(loss: np.ndarray) -> np.ndarray:
    """The mean of a non-empty 1-D loss as one BLAS dot product into a 0-d array: one NumPy
    call where a sum and a division take two, and a scalar result a third (np.dot: fewer
    steps than matmul before BLAS)."""
    return np.dot(loss, _mean_weights(loss.shape[0], loss.dtype), out=np.empty((), loss.dtype))


def _row_sums(a: np.ndarray) -> np.ndarray:
    """a.sum(axis=1) as one BLAS matrix-vector product: 2x faster for short rows."""
    return np.dot(a, _ones(a.shape[1], a.dtype))


class _ClassTargets:
    """Class-index targets of the rows: indices safe to gather with, which rows count (None: all),
    per-row weights (weight[target], 0 when ignored; None: all 1) and the divisor of 'mean'.
    ignore_index None means the caller knows that no target equals it."""

    __slots__ = ("index", "valid", "row_weight", "divisor")

    def __init__(self, target: np.ndarray, weight, ignore_index: int | None,
                 dtype: np.dtype) -> None:
        if target.ndim != 1:
            target = target.reshape(-1)
        ignored = None if ignore_index is None else target == ignore_index
        self.valid = None if ignored is None or not ignored.any() else ~ignored
        self.index = target if self.valid is None else np.where(ignored, 0, target)
        if weight is not None:
            self.row_weight = weight[self.index]
            if self.valid is not None:
                self.row_weight *= self.valid
        else:
            self.row_weight = None if self.valid is None else self.valid.astype(dtype)
        self.divisor = target.size if self.row_weight is None else self.row_weight.sum()

    def per_row(self, g_rows: np.ndarray) -> np.ndarray:
        """g_rows with ignored rows zeroed."""
        return g_rows if self.valid is None else np.where(self.valid, g_rows, 0)


def _scatter_rows(values, index: np.ndarray, n_classes: int, dtype: np.dtype):
    """Zeros (rows, n_classes) with values[i] at [i, index[i]]: IndexScatter, recorded on
    Tensors. Each row gets one value, so on arrays a plain assignment does it (faster than
    IndexScatter's add.at)."""
    rows = _arange(index.shape[0])
    if isinstance(values, np.ndarray):
        out = np.zeros((rows.size, n_classes), dtype=dtype)
        out[rows, index] = values
        return out
    return IndexScatter.call(values, shape=(rows.size, n_classes), index=(rows, index))


class CrossEntropy(Function):
    """log_softmax + nll_loss fused, from the log-sum-exp (never the log of a softmax).

    loss_i = (1 - eps) * w[t_i] * (lse_i - z_it) + eps / C * sum_c w_c * (lse_i - z_ic)

    The ordinary backward reuses forward's exponentials; a recorded one recomputes the softmax
    from x, so that it is differentiated too.
    """

    op_name, torch_name = "cross_entropy", "NllLossBackward0"

    def forward(ctx, x, target=None, weight=None, ignore_index=-100, reduction="mean",
                label_smoothing=0.0):
        ctx.save_for_backward(x)
        z = as_rows(x)
        if not z.flags.c_contiguous:  # so that shifted, e and the gradient are (see below)
            z = np.ascontiguousarray(z)
        tg = ctx.targets = _ClassTargets(target, weight, ignore_index, z.dtype)
        # Each row's target entry by its flat index: half the cost of indexing by [rows, index]
        # here, and in backward, where it is written through grad.ravel(), a view since grad is
        # C-contiguous like e.
        targets_flat = ctx.targets_flat = _row_starts(*z.shape) + tg.index
        # Each row is shifted by its target's logit, which leaves the target's term exp(0) = 1
        # (no row sum can underflow) and the loss log(sumexp) - 0: one NumPy call less than
        # the shift by the row's max, and a reduction over all elements instead of one per row
        # (2x cheaper for short rows). Only where a logit exceeds its target's by more than
        # exp's range (or a logit is not finite) is it shifted by the row's max instead.
        picked = z.ravel()[targets_flat]
        shifted = z - picked[:, None]
        if np.maximum.reduce(shifted, axis=None) < _exp_safe(z.dtype, z.shape[1]):
            picked = None  # each row's target entry in `shifted`: 0
        else:
            # ufunc.reduce directly: ndarray.max adds a Python layer costing as much as the math
            shifted = z - np.maximum.reduce(z, axis=1, keepdims=True)
            picked = shifted.ravel()[targets_flat]
        smooth = None if not label_smoothing else (
            shifted.sum(axis=1) if weight is None else shifted @ weight)
        e = np.exp(shifted, out=shifted)  # shifted is not needed past this point
        sumexp = _row_sums(e)
        lse = np.log(sumexp)
        if label_smoothing:
            n_classes = z.shape[1]
            total_weight = n_classes if weight is None else weight.sum()
            smooth = total_weight * lse - smooth  # sum_c w_c * (lse - z_c)
        loss = lse if picked is None else lse - picked
        if tg.row_weight is not None:
            loss *= tg.row_weight
        if label_smoothing:
            loss *= 1 - label_smoothing
            loss += tg.per_row(smooth) * (label_smoothing / n_classes)
        ctx.e, ctx.sumexp, ctx.shape = e, sumexp, x.shape
        ctx.weight, ctx.reduction, ctx.eps = weight, reduction, label_smoothing
        if reduction == "mean" and tg.row_weight is None and loss.shape[0]:
            return _mean(loss)  # the common case
        out = _reduce(loss, reduction, tg.divisor)
        return out.reshape(target.shape) if reduction == "none" else out

    def backward(ctx, g):
        # grad_i = s_i * (a_i * softmax_i - hard_i * onehot(t_i) - eps / C * w): s_i the
        # upstream gradient of row i's loss, hard_i its target term's weight, a_i the sum of
        # the weights of its terms.
        tg, eps, weight = ctx.targets, ctx.eps, ctx.weight
        n_classes = ctx.e.shape[1]
        s = _upstream(g, ctx.reduction, tg.divisor)
        if ctx.reduction == "none":
            s = s.reshape(-1)
        hard = (1 - eps) if tg.row_weight is None else (1 - eps) * tg.row_weight
        prob_weight = hard
        if eps:
            if tg.valid is not None:  # the smoothing term does not vanish on ignored rows
                s = np.where(tg.valid, s, 0)
            total_weight = n_classes if weight is None else weight.sum()
            prob_weight = hard + eps * total_weight / n_classes
        if isinstance(g, np.ndarray):
            grad = ctx.e * (s * prob_weight / ctx.sumexp)[:, None]
            grad.ravel()[ctx.targets_flat] -= hard * s
        else:
            x, = ctx.saved_tensors
            grad = Softmax.call(as_rows(x), axis=1) * np.reshape(s * prob_weight, (-1, 1))
            grad[_arange(tg.index.shape[0]), tg.index] -= hard * s
        if eps:
            grad -= np.reshape(s * (eps / n_classes), (-1, 1)) * (
                1 if weight is None else weight)
        return from_rows(grad, ctx.shape)


class NllLoss(Function):
    """loss_i = -w[t_i] * x[i, t_i] on log-probabilities x. Linear in x: the backward picks
    nothing from x, and its own gradient is a gather of the rows' target entries."""

    op_name = "nll_loss"

    def forward(ctx, x, target=None, weight=None, ignore_index=-100, reduction="mean"):
        z = as_rows(x)
        rows = _arange(z.shape[0])
        tg = ctx.targets = _ClassTargets(target, weight, ignore_index, z.dtype)
        loss = -z[rows, tg.index]
        if tg.row_weight is not None:
            loss *= tg.row_weight
        ctx.shape, ctx.reduction, ctx.n_classes, ctx.dtype = x.shape, reduction, z.shape[1], x.dtype
        out = _reduce(loss, reduction, tg.divisor)
        return out.reshape(target.shape) if reduction == "none" else out

    def backward(ctx, g):
        tg = ctx.targets
        scale = np.broadcast_to(_upstream(g, ctx.reduction, tg.divisor).reshape(-1),
                                tg.index.shape)
        picked = -scale if tg.row_weight is None else -scale * tg.row_weight
        return from_rows(_scatter_rows(picked, tg.index, ctx.n_classes, ctx.dtype), ctx.shape)


def _smoothed_weighted(yr, eps: float, weight):
    """w_c * y'_ic with y' = (1 - eps) * y + eps / C, for rows yr (arrays or Tensors)."""
    if eps:
        yr = yr * (1 - eps) + eps / yr.shape[1]
    return yr if weight is None else yr * weight


class SoftCrossEntropy(Function):
    """Cross entropy against class probabilities y (same shape as x); y gets a gradient too.

    loss_i = -sum_c w_c * y'_ic * log_softmax(x)_ic, y' = (1 - eps) * y + eps / C.
    """

    op_name = "cross_entropy"

    def forward(ctx, x, y, weight=None, reduction="mean", label_smoothing=0.0):
        ctx.save_for_backward(x, y if ctx.needs_input_grad[0] else None)
        z = as_rows(x)
        logp = z - z.max(axis=1, keepdims=True)
        logp -= np.log(np.exp(logp).sum(axis=1, keepdims=True))
        wy = _smoothed_weighted(as_rows(y), label_smoothing, weight)
        loss = -(wy * logp).sum(axis=1)
        ctx.logp, ctx.wy, ctx.weight, ctx.shape = logp, wy, weight, x.shape
        ctx.reduction, ctx.eps = reduction, label_smoothing
        out = _reduce(loss, reduction, loss.size)
        return out.reshape(row_shape(x.shape)) if reduction == "none" else out

    def backward(ctx, g):
        if isinstance(g, np.ndarray):
            logp, wy = ctx.logp, ctx.wy
        else:  # recorded: log_softmax and the weighted targets, recomputed from x and y
            x, y = ctx.saved_tensors
            logp = LogSoftmax.call(as_rows(x), axis=1)
            wy = None if y is None else _smoothed_weighted(as_rows(y), ctx.eps, ctx.weight)
        scale = _upstream(g, ctx.reduction, logp.shape[0])
        scale = np.broadcast_to(scale.reshape(-1), logp.shape[:1])[:, None]
        gx = gy = None
        if ctx.needs_input_grad[0]:
            gx = np.exp(logp) * np.sum(wy, axis=1, keepdims=True)
            gx -= wy
            gx *= scale
            gx = from_rows(gx, ctx.shape)
        if ctx.needs_input_grad[1]:
            gy = logp * (-(1 - ctx.eps)) if ctx.weight is None else logp * (
                -(1 - ctx.eps) * ctx.weight)
            gy *= scale
            gy = from_rows(gy, ctx.shape)
        return gx, gy


class _PointwiseLoss(Function):
    """A loss computed element by element from (input, target), optionally times `weight`, then
    reduced. Subclasses give `elementwise` (which may cache what `local_grads` needs) and
    `local_grads(x, y, ...)`, the derivatives of each element's unweighted loss by input and by
    target. A recorded backward passes x and y as Tensors: local_grads then recomputes from
    them what it would take from the cache."""

    mean_over_weight = False  # 'mean' divides by sum(weight) rather than the element count
    reads_inputs = True  # local_grads reads x and y (else they are not saved, as in PyTorch)

    def forward(ctx, x, y, reduction="mean", weight=None, **options):
        ctx.save_for_backward(*((x, y) if ctx.reads_inputs else (None, None)))
        loss = ctx.elementwise(x, y, **options)
        if weight is not None:
            loss = loss * weight
        ctx.reduction, ctx.weight = reduction, weight
        ctx.divisor = weight.sum() if weight is not None and ctx.mean_over_weight else loss.size
        return _reduce(loss, reduction, ctx.divisor)

    def backward(ctx, g):
        scale = _upstream(g, ctx.reduction, ctx.divisor)
        if ctx.weight is not None:
            scale = scale * ctx.weight
        need_x, need_y = ctx.needs_input_grad
        x, y = ctx.saved_tensors
        gx, gy = ctx.local_grads(x, y, need_x, need_y)
        return (gx * scale if need_x else None), (gy * scale if need_y else None)


class MseLoss(_PointwiseLoss):
    op_name = "mse_loss"
    mean_over_weight = True

    def elementwise(ctx, x, y):
        ctx.diff = diff = x - y
        return diff * diff

    def local_grads(ctx, x, y, need_x, need_y):
        d2 = 2 * (ctx.diff if isinstance(x, np.ndarray) else x - y)
        return d2, (-d2 if need_y else None)


class L1Loss(_PointwiseLoss):
    """The sign of x - y is a constant of the backward formula: its derivative is 0."""

    op_name = "l1_loss"
    mean_over_weight = True
    reads_inputs = False

    def elementwise(ctx, x, y):
        diff = x - y
        ctx.sign = np.sign(diff)
        return np.abs(diff)

    def local_grads(ctx, x, y, need_x, need_y):
        return ctx.sign, (-ctx.sign if need_y else None)


def _clamped_logs(x):
    """log(x) and log(1 - x), each clamped at -100 as in PyTorch (arrays or Tensors)."""
    with np.errstate(divide="ignore"):
        return np.maximum(np.log(x), -100), np.maximum(np.log1p(-x), -100)


class BceLoss(_PointwiseLoss):
    """-(y log x + (1 - y) log(1 - x)), each log clamped at -100 as in PyTorch."""

    op_name, torch_name = "binary_cross_entropy", "BinaryCrossEntropyBackward0"

    def elementwise(ctx, x, y):
        ctx.log_x, ctx.log_1mx = log_x, log_1mx = _clamped_logs(x)
        return -(y * (log_x - log_1mx) + log_1mx)

    def local_grads(ctx, x, y, need_x, need_y):
        gx = gy = None
        if need_x:
            gx = (x - y) / np.maximum((1 - x) * x, 1e-12)
        if need_y:
            log_x, log_1mx = (ctx.log_x, ctx.log_1mx) if isinstance(x, np.ndarray) else (
                _clamped_logs(x))
            gy = log_1mx - log_x
        return gx, gy


def _softplus_neg(x, e):
    """softplus(-x) = log(1 + exp(-x)) without overflow, from e = exp(-|x|)."""
    out = np.log1p(e)
    out += np.maximum(-x, 0)
    return out


def _log_weight(pos_weight: np.ndarray, y):
    """The factor of softplus(-x) in the loss with pos_weight: 1 + (pos_weight - 1) * y."""
    return (pos_weight - 1) * y + 1


class BceWithLogitsLoss(_PointwiseLoss):
    """-(pw * y * log sigmoid(x) + (1 - y) * log(1 - sigmoid(x))), in the stable form
    (1 - y) * x + (1 + (pw - 1) * y) * softplus(-x)."""

    op_name = "binary_cross_entropy_with_logits"
    torch_name = "BinaryCrossEntropyWithLogitsBackward0"

    def elementwise(ctx, x, y, pos_weight=None):
        e = np.exp(-np.abs(x))
        softplus_neg = _softplus_neg(x, e)
        loss = (1 - y) * x
        log_weight = None if pos_weight is None else _log_weight(pos_weight, y)
        loss += softplus_neg if log_weight is None else log_weight * softplus_neg
        ctx.e, ctx.softplus_neg = e, softplus_neg
        ctx.pos_weight, ctx.log_weight = pos_weight, log_weight
        return loss

    def local_grads(ctx, x, y, need_x, need_y):
        cached = isinstance(x, np.ndarray)
        pos_weight = ctx.pos_weight
        gx = gy = None
        if need_x:
            sigmoid = stable_sigmoid(x, ctx.e) if cached else Sigmoid.call(x)
            if pos_weight is None:
                gx = sigmoid - y
            else:
                log_weight = ctx.log_weight if cached else _log_weight(pos_weight, y)
                gx = (1 - y) - log_weight * (1 - sigmoid)
        if need_y:
            if pos_weight is None:
                gy = -x
            else:
                softplus_neg = ctx.softplus_neg if cached else _softplus_neg(
                    x, np.exp(-np.abs(x)))
                gy = (pos_weight - 1) * softplus_neg - x
        return gx, gy
