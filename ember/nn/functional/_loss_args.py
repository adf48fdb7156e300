"""What the losses beyond cross entropy and the regression losses share: reductions of a
per-element loss, and PyTorch's refusal to differentiate some arguments."""

from __future__ import annotations

import numpy as np

from ...autograd import is_grad_enabled
from ...tensor import Tensor


def reduce_loss(loss: Tensor, reduction: str) -> Tensor:
    """A per-element (or per-sample) loss reduced: 'mean', 'sum' or 'none'."""
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def refuse_grad(t: Tensor | None, argument: str, op: str) -> None:
    """PyTorch's error for an argument its op cannot differentiate, when one would be asked."""
    if t is not None and t.requires_grad and is_grad_enabled():
        raise RuntimeError(f"The function '{op}' is not differentiable with respect to argument "
                           f"'{argument}'. This input cannot have requires_grad True.")


def check_broadcast(shapes: dict[str, tuple], op: str) -> tuple:
    """The common shape of the named shapes, or an error that names them all."""
    try:
        return np.broadcast_shapes(*shapes.values())
    except ValueError:
        listed = ", ".join(f"{name} {shape}" for name, shape in shapes.items())
        raise RuntimeError(f"{op}: shapes cannot be broadcast together: {listed}") from None
