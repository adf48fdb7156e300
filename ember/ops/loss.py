"""Loss primitives: each loss is one graph node with its forward and backward on arrays.

Inputs arrive already checked by ember.nn.functional. Class-index losses see the class axis last
and the rest flattened into rows (see `as_rows`), so every formula below works on (rows, classes).
"""

from __future__ import annotations

import functools

import numpy as np

from ..autograd import Function
from .elementwise import stable_sigmoid

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
def _ones(n: int, dtype: np.dtype) -> np.ndarray:
    ones = np.ones(n, dtype)
    ones.flags.writeable = False
    return ones


def _row_sums(a: np.ndarray) -> np.ndarray:
    """a.sum(axis=1) as one BLAS matrix-vector product: 2x faster for short rows."""
    return a @ _ones(a.shape[1], a.dtype)


class _ClassTargets:
    """Class-index targets of the rows: indices safe to gather with, which rows count (None: all),
    per-row weights (weight[target], 0 when ignored; None: all 1) and the divisor of 'mean'.
    ignore_index None means the caller knows that no target equals it."""

    __slots__ = ("index", "valid", "row_weight", "divisor")

    def __init__(self, target: np.ndarray, weight, ignore_index: int | None,
                 dtype: np.dtype) -> None:
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


class CrossEntropy(Function):
    """log_softmax + nll_loss fused, from the log-sum-exp (never the log of a softmax).

    loss_i = (1 - eps) * w[t_i] * (lse_i - z_it) + eps / C * sum_c w_c * (lse_i - z_ic)
    """

    def forward(ctx, x, target=None, weight=None, ignore_index=-100, reduction="mean",
                label_smoothing=0.0):
        z = as_rows(x)
        # ufunc.reduce directly: ndarray.max adds a Python layer that costs as much as the math
        shifted = z - np.maximum.reduce(z, axis=1, keepdims=True)
        rows = _arange(z.shape[0])
        tg = ctx.targets = _ClassTargets(target, weight, ignore_index, z.dtype)
        picked = shifted[rows, tg.index]
        smooth = None if not label_smoothing else (
            shifted.sum(axis=1) if weight is None else shifted @ weight)
        e = np.exp(shifted, out=shifted)  # shifted is not needed past this point
        sumexp = _row_sums(e)
        lse = np.log(sumexp)
        loss = lse - picked
        if tg.row_weight is not None:
            loss *= tg.row_weight
        if label_smoothing:
            n_classes = z.shape[1]
            total_weight = n_classes if weight is None else weight.sum()
            smooth = total_weight * lse - smooth  # sum_c w_c * (lse - z_c)
            loss *= 1 - label_smoothing
            loss += tg.per_row(smooth) * (label_smoothing / n_classes)
        ctx.e, ctx.sumexp, ctx.rows, ctx.shape = e, sumexp, rows, x.shape
        ctx.weight, ctx.reduction, ctx.eps = weight, reduction, label_smoothing
        out = _reduce(loss, reduction, tg.divisor)
        return out.reshape(target.shape) if reduction == "none" else out

    def backward(ctx, g):
        tg, eps, weight = ctx.targets, ctx.eps, ctx.weight
        scale = _upstream(g, ctx.reduction, tg.divisor)
        if ctx.reduction == "none":
            scale = scale.reshape(-1, 1)
        grad = ctx.e / ctx.sumexp[:, None]  # softmax: a fresh array, safe to change in place
        n_classes = grad.shape[1]
        hard = (1 - eps) if tg.row_weight is None else (1 - eps) * tg.row_weight
        if eps:
            if tg.valid is not None:  # the smoothing term does not vanish on ignored rows
                scale = np.where(tg.valid[:, None], scale, 0)
            total_weight = n_classes if weight is None else weight.sum()
            grad *= np.asarray(hard + eps * total_weight / n_classes)[..., None]
            grad[ctx.rows, tg.index] -= hard
            grad -= (eps / n_classes) * (1 if weight is None else weight)
        else:
            if tg.row_weight is not None:  # zero on ignored rows
                grad *= tg.row_weight[:, None]
            grad[ctx.rows, tg.index] -= hard
        grad *= scale
        return from_rows(grad, ctx.shape)


class NllLoss(Function):
    """loss_i = -w[t_i] * x[i, t_i] on log-probabilities x."""

    def forward(ctx, x, target=None, weight=None, ignore_index=-100, reduction="mean"):
        z = as_rows(x)
        rows = _arange(z.shape[0])
        tg = ctx.targets = _ClassTargets(target, weight, ignore_index, z.dtype)
        loss = -z[rows, tg.index]
        if tg.row_weight is not None:
            loss *= tg.row_weight
        ctx.rows, ctx.shape, ctx.dtype, ctx.reduction = rows, x.shape, z.dtype, reduction
        ctx.n_classes = z.shape[1]
        out = _reduce(loss, reduction, tg.divisor)
        return out.reshape(target.shape) if reduction == "none" else out

    def backward(ctx, g):
        tg = ctx.targets
        scale = np.broadcast_to(_upstream(g, ctx.reduction, tg.divisor).reshape(-1),
                                tg.index.shape)
        picked = -scale if tg.row_weight is None else -scale * tg.row_weight
        grad = np.zeros((ctx.rows.size, ctx.n_classes), dtype=ctx.dtype)
        grad[ctx.rows, tg.index] = picked
        return from_rows(grad, ctx.shape)


class SoftCrossEntropy(Function):
    """Cross entropy against class probabilities y (same shape as x); y gets a gradient too.

    loss_i = -sum_c w_c * y'_ic * log_softmax(x)_ic, y' = (1 - eps) * y + eps / C.
    """

    def forward(ctx, x, y, weight=None, reduction="mean", label_smoothing=0.0):
        z, yr = as_rows(x), as_rows(y)
        n_classes = z.shape[1]
        logp = z - z.max(axis=1, keepdims=True)
        logp -= np.log(np.exp(logp).sum(axis=1, keepdims=True))
        if label_smoothing:
            yr = yr * (1 - label_smoothing) + label_smoothing / n_classes
        wy = yr if weight is None else yr * weight
        loss = -(wy * logp).sum(axis=1)
        ctx.logp, ctx.wy, ctx.weight, ctx.shape = logp, wy, weight, x.shape
        ctx.reduction, ctx.eps = reduction, label_smoothing
        out = _reduce(loss, reduction, loss.size)
        return out.reshape(row_shape(x.shape)) if reduction == "none" else out

    def backward(ctx, g):
        logp, wy = ctx.logp, ctx.wy
        scale = _upstream(g, ctx.reduction, logp.shape[0])
        scale = np.broadcast_to(scale.reshape(-1), logp.shape[:1])[:, None]
        gx = gy = None
        if ctx.needs_input_grad[0]:
            gx = np.exp(logp)
            gx *= wy.sum(axis=1, keepdims=True)
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
    reduced. Subclasses give `elementwise` (which saves what `local_grads` needs) and
    `local_grads`, the derivatives of each element's unweighted loss by input and by target."""

    mean_over_weight = False  # 'mean' divides by sum(weight) rather than the element count

    def forward(ctx, x, y, reduction="mean", weight=None, **options):
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
        gx, gy = ctx.local_grads(need_x, need_y)
        return (gx * scale if need_x else None), (gy * scale if need_y else None)


class MseLoss(_PointwiseLoss):
    mean_over_weight = True

    def elementwise(ctx, x, y):
        ctx.diff = diff = x - y
        return diff * diff

    def local_grads(ctx, need_x, need_y):
        d2 = 2 * ctx.diff
        return d2, (-d2 if need_y else None)


class L1Loss(_PointwiseLoss):
    mean_over_weight = True

    def elementwise(ctx, x, y):
        diff = x - y
        ctx.sign = np.sign(diff)
        return np.abs(diff)

    def local_grads(ctx, need_x, need_y):
        return ctx.sign, (-ctx.sign if need_y else None)


class BceLoss(_PointwiseLoss):
    """-(y log x + (1 - y) log(1 - x)), each log clamped at -100 as in PyTorch."""

    def elementwise(ctx, x, y):
        with np.errstate(divide="ignore"):
            log_x = np.maximum(np.log(x), -100)
            log_1mx = np.maximum(np.log1p(-x), -100)
        ctx.x, ctx.y, ctx.log_x, ctx.log_1mx = x, y, log_x, log_1mx
        return -(y * (log_x - log_1mx) + log_1mx)

    def local_grads(ctx, need_x, need_y):
        x = ctx.x
        gx = (x - ctx.y) / np.maximum((1 - x) * x, 1e-12) if need_x else None
        return gx, (ctx.log_1mx - ctx.log_x if need_y else None)


class BceWithLogitsLoss(_PointwiseLoss):
    """-(pw * y * log sigmoid(x) + (1 - y) * log(1 - sigmoid(x))), in the stable form
    (1 - y) * x + (1 + (pw - 1) * y) * softplus(-x)."""

    def elementwise(ctx, x, y, pos_weight=None):
        e = np.exp(-np.abs(x))
        softplus_neg = np.log1p(e)
        softplus_neg += np.maximum(-x, 0)
        loss = (1 - y) * x
        log_weight = None if pos_weight is None else (pos_weight - 1) * y + 1
        loss += softplus_neg if log_weight is None else log_weight * softplus_neg
        ctx.x, ctx.y, ctx.e, ctx.softplus_neg = x, y, e, softplus_neg
        ctx.pos_weight, ctx.log_weight = pos_weight, log_weight
        return loss

    def local_grads(ctx, need_x, need_y):
        x, y, e = ctx.x, ctx.y, ctx.e
        gx = gy = None
        if need_x:
            sigmoid = stable_sigmoid(x, e)
            gx = sigmoid - y if ctx.log_weight is None else (1 - y) - ctx.log_weight * (
                1 - sigmoid)
        if need_y:
            gy = -x if ctx.pos_weight is None else (ctx.pos_weight - 1) * ctx.softplus_neg - x
        return gx, gy
