"""Fused Functions for batch norm (training mode) and layer norm.

Each forward standardizes in a few passes and keeps x-hat; each backward uses the closed form
of the normalization's gradient instead of a chain of a dozen element-wise nodes.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function

__all__ = ["BatchNormTraining", "LayerNormFunction", "SyncSum"]


def _standardize(x, axes: tuple[int, ...], eps: float):
    """(x - mean) / sqrt(var + eps) over `axes`, with the (keepdims) mean, biased variance and
    inverse standard deviation it used. On arrays, or on Tensors when a recorded backward
    recomputes x-hat from x."""
    mean = np.mean(x, axis=axes, keepdims=True)
    xhat = x - mean
    var = np.mean(np.square(xhat), axis=axes, keepdims=True)
    invstd = 1.0 / np.sqrt(var + eps)
    if isinstance(xhat, np.ndarray):
        xhat *= invstd
    else:  # a recorded square saved xhat: changing it in place would void that record
        xhat = xhat * invstd
    return xhat, mean, var, invstd


def _affine(xhat: np.ndarray, weight, bias) -> np.ndarray:
    """xhat * weight + bias; the caller passes a bias only together with a weight."""
    if weight is None:
        return xhat.copy()  # xhat is kept for backward; the output must not alias it
    out = xhat * weight
    if bias is not None:
        out += bias
    return out


def _combined_stats(x: np.ndarray, axes: tuple[int, ...], sync):
    """Mean and biased variance per channel of a batch split across ranks, and its total size.

    Each rank's count, mean and sum of squared deviations are gathered and combined with Chan
    et al.'s parallel formula, which keeps the precision of the two-pass variance.
    """
    c = x.shape[1]
    count = x.size // c
    mean = x.mean(axis=axes, keepdims=True) if count else np.zeros((1, c) + (1,) * (x.ndim - 2))
    m2 = np.square(x - mean).sum(axis=axes, keepdims=True)
    local = np.concatenate([[count], mean.reshape(c), m2.reshape(c)]).astype(np.float64)
    gathered = sync.gather(local)
    counts, means, m2s = gathered[:, :1], gathered[:, 1:c + 1], gathered[:, c + 1:]
    total = counts.sum()
    global_mean = (counts * means).sum(axis=0) / total
    global_m2 = (m2s + counts * np.square(means - global_mean)).sum(axis=0)
    shape = mean.shape
    return (global_mean.reshape(shape).astype(x.dtype),
            (global_m2 / total).reshape(shape).astype(x.dtype), int(total))


def _synced_standardize(x, axes: tuple[int, ...], eps: float, sync, total: int):
    """x-hat and inverse std over the batch of every rank, as differentiable ops (SyncSum) for
    a recorded backward: the two-pass mean and variance, equal to _combined_stats' up to
    rounding."""
    c = x.shape[1]
    shape = (1, c) + (1,) * (x.ndim - 2)
    mean = np.reshape(SyncSum.call(np.sum(x, axis=axes), sync=sync) / total, shape)
    centered = x - mean
    m2 = SyncSum.call(np.sum(np.square(centered), axis=axes), sync=sync)
    invstd = 1.0 / np.sqrt(np.reshape(m2 / total, shape) + eps)
    return centered * invstd, invstd


class SyncSum(Function):
    """A 1-d array summed over every rank (`sync.sum`, an all-reduce); its gradient is the
    all-reduced gradient. SyncBatchNorm's cross-rank sums, as an op for recorded backwards."""

    op_name = "batch_norm"

    def forward(ctx, a, sync=None):
        ctx.sync = sync
        return sync.sum(a.astype(np.float64)).astype(a.dtype, copy=False)

    def backward(ctx, g):
        return SyncSum.call(g, sync=ctx.sync)


class BatchNormTraining(Function):
    """Batch norm with batch statistics over every dim but dim 1 (the channels).

    Updates running_mean / running_var in place when given, with the unbiased batch variance
    and `momentum` as the weight of the new batch, as PyTorch does.

    With `sync` (SyncBatchNorm), the batch is the union of every rank's: `sync.gather(a)` stacks
    each rank's 1-d float64 array `a`, and `sync.sum(a)` adds them up. Forward then uses the
    whole batch's statistics, and backward the whole batch's sums for the input's gradient;
    the weight and bias gradients stay this rank's, for DistributedDataParallel to average.

    The ordinary backward reuses forward's x-hat and 1/std; a recorded one recomputes them from
    x (with SyncSum across ranks), so that they are differentiated too.
    """

    op_name, torch_name = "batch_norm", "NativeBatchNormBackward0"

    def forward(ctx, x, weight=None, bias=None, *, eps: float, momentum: float,
                running_mean: np.ndarray | None = None, running_var: np.ndarray | None = None,
                sync=None):
        if sync is None:
            return _batch_norm_forward(ctx, x, weight, bias, eps, momentum, running_mean,
                                       running_var)
        c = x.shape[1]
        param_shape = (c,) + (1,) * (x.ndim - 2)
        mean, var, count = _combined_stats(x, (0, *range(2, x.ndim)), sync)
        invstd = 1.0 / np.sqrt(var + eps)
        xhat = x - mean
        xhat *= invstd
        _update_running_stats(running_mean, running_var, mean.reshape(c), var.reshape(c), count,
                              momentum)
        _keep_for_backward(ctx, x, weight, invstd, eps, sync, count)
        ctx.xhat = xhat
        return _affine(xhat,
                       None if weight is None else weight.reshape(param_shape),
                       None if bias is None else bias.reshape(param_shape))

    def backward(ctx, g):
        x, weight = ctx.saved_tensors
        axes, sync, count = ctx.axes, ctx.sync, ctx.count
        needs = ctx.needs_input_grad
        if isinstance(g, np.ndarray) and sync is None:
            return _batch_norm_backward(ctx, g, weight)
        if isinstance(g, np.ndarray):
            xhat, invstd = ctx.xhat, ctx.invstd
        elif sync is None:
            xhat, _, _, invstd = _standardize(x, axes, ctx.eps)
        else:
            xhat, invstd = _synced_standardize(x, axes, ctx.eps, sync, count)
        # Per-channel sums of g and g*xhat give the bias and weight gradients, and are also the
        # two mean terms of the input gradient.
        sum_g = np.sum(g, axis=axes, keepdims=True)
        sum_gx = _channel_sums_of_product(g, xhat, axes)
        batch_g, batch_gx = sum_g, sum_gx
        if sync is not None:  # every rank takes part, whichever gradients it needs
            c = g.shape[1]
            sums = SyncSum.call(np.concatenate([np.reshape(sum_g, (c,)),
                                                np.reshape(sum_gx, (c,))]), sync=sync)
            batch_g = np.reshape(sums[:c], sum_g.shape)
            batch_gx = np.reshape(sums[c:], sum_g.shape)
        grad_x = None
        if needs[0]:
            scale = invstd if weight is None else invstd * np.reshape(weight, invstd.shape)
            grad_x = xhat * (batch_gx * (-scale / count))
            grad_x += g * scale
            grad_x -= batch_g * (scale / count)
        grads = [grad_x]
        if ctx.affine:
            grads.append(np.reshape(sum_gx, (-1,)))
        if len(needs) > len(grads):
            grads.append(np.reshape(sum_g, (-1,)))
        return tuple(grads)


def _keep_for_backward(ctx, x, weight, invstd, eps: float, sync, count: int) -> None:
    """What BatchNormTraining's backward reads, whichever forward ran: x (and the weight where
    the input gradient needs it), 1/std, the reduced axes, eps, the sync group, the count per
    channel and whether there is an affine weight."""
    ctx.save_for_backward(x, weight if ctx.needs_input_grad[0] else None)
    ctx.invstd, ctx.axes, ctx.eps = invstd, (0, *range(2, x.ndim)), eps
    ctx.sync, ctx.count, ctx.affine = sync, count, weight is not None


def _update_running_stats(running_mean, running_var, mean, var, count: int,
                          momentum: float) -> None:
    """PyTorch's running statistics update, in place: the unbiased batch variance, `momentum`
    the weight of the new batch."""
    if running_mean is not None:
        running_mean *= 1 - momentum
        running_mean += momentum * mean
    if running_var is not None:
        running_var *= 1 - momentum
        running_var += (momentum * count / (count - 1)) * var


def _batch_norm_forward(ctx, x, weight, bias, eps, momentum, running_mean, running_var):
    """BatchNormTraining's forward on one process, on x as (N, C, L).

    The mean is NumPy's pairwise sum (an einsum's running sum rounds differently enough that
    a float64 DCGAN's losses leave PyTorch's within 200 steps); the sums of products are
    einsums (no temporaries). The output is
    (x - mean) * (weight / std) + bias, one multiply and one add over x; x - mean is kept for
    backward instead of x-hat (one multiply less). About half the passes over x of the
    general path.
    """
    n, c = x.shape[:2]
    rows = np.reshape(x, (n, c, -1))
    count = n * rows.shape[2]
    mean = np.sum(rows, axis=(0, 2)) / count
    centered = rows - mean[:, None]
    var = np.einsum("ncl,ncl->c", centered, centered) / count
    invstd = 1.0 / np.sqrt(var + eps)
    _update_running_stats(running_mean, running_var, mean, var, count, momentum)
    _keep_for_backward(ctx, x, weight, invstd, eps, None, count)
    ctx.centered = centered
    scale = invstd if weight is None else invstd * weight
    out = np.multiply(centered, scale[:, None])
    if bias is not None:
        out += bias[:, None]
    return out.reshape(x.shape)


def _batch_norm_backward(ctx, g, weight):
    """BatchNormTraining's backward on one process, on arrays: the closed form
    (g - mean(g) - x-hat * mean(g * x-hat)) * weight / std with the means per channel."""
    centered, invstd, count = ctx.centered, ctx.invstd, ctx.count
    needs = ctx.needs_input_grad
    g_rows = np.reshape(g, centered.shape)
    sum_g = np.einsum("ncl->c", g_rows)
    sum_gx = np.einsum("ncl,ncl->c", g_rows, centered) * invstd  # sum(g * x-hat)
    grad_x = None
    if needs[0]:
        scale = invstd if weight is None else invstd * weight
        grad_x = np.multiply(g_rows, scale[:, None])
        correction = np.multiply(centered, (scale * invstd * sum_gx / count)[:, None])
        grad_x -= correction
        grad_x -= (scale * sum_g / count)[:, None]
        grad_x = grad_x.reshape(g.shape)
    grads = [grad_x]
    if ctx.affine:
        grads.append(sum_gx)
    if len(needs) > len(grads):
        grads.append(sum_g)
    return tuple(grads)


def _channel_sums_of_product(g, xhat, axes: tuple[int, ...]):
    """sum(g * xhat) per channel (keepdims) of two (N, C, ...) arrays: one einsum without a
    temporary on arrays, the plain product and sum on Tensors (which have no einsum)."""
    if isinstance(g, np.ndarray):
        dims = "nc" + "hwdlk"[:g.ndim - 2]
        return np.einsum(f"{dims},{dims}->c", g, xhat).reshape((1, -1) + (1,) * (g.ndim - 2))
    return np.sum(g * xhat, axis=axes, keepdims=True)


class LayerNormFunction(Function):
    """Layer norm over the last `normalized_ndim` dims; weight and bias have those dims' shape.

    As in BatchNormTraining, a recorded backward recomputes x-hat and 1/std from x.
    """

    op_name, torch_name = "layer_norm", "NativeLayerNormBackward0"

    def forward(ctx, x, weight=None, bias=None, *, normalized_ndim: int, eps: float):
        axes = tuple(range(x.ndim - normalized_ndim, x.ndim))
        xhat, _, _, invstd = _standardize(x, axes, eps)
        ctx.save_for_backward(x, weight if ctx.needs_input_grad[0] else None)
        ctx.xhat, ctx.invstd, ctx.axes, ctx.eps = xhat, invstd, axes, eps
        ctx.affine = weight is not None
        return _affine(xhat, weight, bias)

    def backward(ctx, g):
        x, weight = ctx.saved_tensors
        axes = ctx.axes
        if isinstance(g, np.ndarray):
            xhat, invstd = ctx.xhat, ctx.invstd
        else:
            xhat, _, _, invstd = _standardize(x, axes, ctx.eps)
        needs = ctx.needs_input_grad
        grad_x = None
        if needs[0]:
            grad_xhat = g if weight is None else g * weight
            grad_x = grad_xhat - np.mean(grad_xhat, axis=axes, keepdims=True)
            grad_x -= xhat * np.mean(grad_xhat * xhat, axis=axes, keepdims=True)
            grad_x *= invstd
        # Full-shape parameter gradients: the engine sums them over the leading dims.
        grads = [grad_x]
        if ctx.affine:
            grads.append(g * xhat if needs[1] else None)
        if len(needs) > len(grads):
            grads.append(g)
        return tuple(grads)
