"""torch.nn.functional.ctc_loss: argument checks as PyTorch's, the CtcLoss primitive per sample,
then the reduction."""

from __future__ import annotations

import numpy as np

from ...ops.ctc import CtcLoss
from ...tensor import Tensor, _make
from ._args import check_float
from .loss import _reduction

__all__ = ["ctc_loss"]

_CHECKING = "(while checking arguments for ctc_loss)"


def _lengths(lengths, what: str, batch: int) -> np.ndarray:
    """Lengths given as a tensor or a sequence of ints, as an int64 array of one per sample."""
    if isinstance(lengths, Tensor):
        if lengths._data.dtype.kind not in "iu":
            raise RuntimeError(f"{what} must be integral")
        array = lengths._data.astype(np.int64).reshape(-1)
    else:
        array = np.asarray(lengths, dtype=np.int64).reshape(-1)
    if array.size != batch:
        raise RuntimeError(f"{what} must be of size batch_size")
    return array


def _padded_targets(targets: Tensor, target_lengths: np.ndarray, batch: int) -> np.ndarray:
    """Targets as (N, S) padded class indices, from the padded or the concatenated form."""
    t = targets._data.astype(np.int64, copy=False)
    bad = target_lengths[target_lengths < 0]
    if bad.size:
        raise RuntimeError(f"Expected target_lengths to have value at least 0, but got value "
                           f"{bad[0]} {_CHECKING}")
    longest = int(target_lengths.max(initial=0))
    if t.ndim == 1:  # concatenated
        total = int(target_lengths.sum())
        if t.shape[0] != total:
            raise RuntimeError(f"Expected tensor to have size {total} at dimension 0, but got "
                               f"size {t.shape[0]} for argument #2 'targets' {_CHECKING}")
        padded = np.zeros((batch, longest), dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(target_lengths)])
        for b in range(batch):
            padded[b, :target_lengths[b]] = t[offsets[b]:offsets[b + 1]]
        return padded
    if t.ndim != 2:
        raise RuntimeError(f"Expected 1 to 2 dimensions, but got {t.ndim}-dimensional tensor "
                           f"for argument #2 'targets' {_CHECKING}")
    if t.shape[0] != batch:
        raise RuntimeError(f"Expected tensor to have size {batch} at dimension 0, but got size "
                           f"{t.shape[0]} for argument #2 'targets' {_CHECKING}")
    if t.shape[1] < longest:
        raise RuntimeError(f"Expected tensor to have size at least {longest} at dimension 1, "
                           f"but got size {t.shape[1]} for argument #2 'targets' {_CHECKING}")
    kept = np.arange(longest) < target_lengths[:, None]
    return np.where(kept, t[:, :longest], 0)


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths, target_lengths, blank: int = 0,
             reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """Connectionist temporal classification loss.

    Shapes: log_probs (T, N, C) (log_softmax outputs), or (T, C) for one sequence; targets
    (N, S) padded, or (sum(target_lengths),) concatenated, class indices other than `blank`;
    input_lengths and target_lengths (N,) (tensors or sequences of ints). 'mean' divides each
    loss by its target length, then averages; 'none' gives (N,) (or () unbatched).
    zero_infinity replaces infinite losses (impossible alignments) and their gradients by 0.

    As PyTorch's, the gradient with respect to log_probs is exp(log_probs) - posterior, which
    is the logits' gradient once passed through log_softmax."""
    op = "ctc_loss"
    reduction = _reduction(None, None, reduction, op)
    check_float(log_probs, "log_probs", op)
    batched = log_probs.ndim == 3
    if log_probs.ndim not in (2, 3):
        raise RuntimeError(f"ctc_loss: expected log_probs of shape (T, N, C) or (T, C), got "
                           f"{tuple(log_probs.shape)}")
    lp = log_probs if batched else log_probs.unsqueeze(1)
    time_steps, batch, classes = lp.shape
    if not 0 <= blank < classes:
        raise RuntimeError("blank must be in label range")
    inputs = _lengths(input_lengths, "input_lengths", batch)
    lengths = _lengths(target_lengths, "target_lengths", batch)
    if not batched and targets.ndim == 1:
        targets = targets.reshape(1, -1) if targets.shape[0] != lengths[0] else targets
    padded = _padded_targets(targets, lengths, batch)
    for b in range(batch):
        if inputs[b] < 0 or inputs[b] > time_steps:
            bound = ("least 0" if inputs[b] < 0 else f"most {time_steps}")
            raise RuntimeError(f"Expected input_lengths to have value at {bound}, but got value "
                               f"{inputs[b]} {_CHECKING}")
    listed = padded[np.arange(padded.shape[1]) < lengths[:, None]]
    if listed.size and (listed.min() < 0 or listed.max() >= classes):
        raise RuntimeError(f"ctc_loss: target class indices must be in [0, {classes}), got "
                           f"{listed.min() if listed.min() < 0 else listed.max()}")
    losses = CtcLoss.apply(lp, targets=padded, input_lengths=inputs, target_lengths=lengths,
                           blank=blank, zero_infinity=zero_infinity)
    if reduction == "mean":
        divisor = _make(np.maximum(lengths, 1).astype(log_probs._data.dtype), None)
        return (losses / divisor).mean()
    if reduction == "sum":
        return losses.sum()
    return losses if batched else losses.squeeze(0)
