"""Loss modules: they hold the options and call ember.nn.functional. As in PyTorch, class
weights (and pos_weight) are buffers, so they appear in state_dict."""

from __future__ import annotations

from ...tensor import Tensor
from .. import functional as F
from ..functional.loss import _reduction
from ..module import Module


class _Loss(Module):
    def __init__(self, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = _reduction(size_average, reduce, reduction, type(self).__name__)


class _WeightedLoss(_Loss):
    def __init__(self, weight: Tensor | None = None, size_average=None, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class CrossEntropyLoss(_WeightedLoss):
    """Softmax cross entropy of logits against class indices or class probabilities."""

    def __init__(self, weight: Tensor | None = None, size_average=None, ignore_index: int = -100,
                 reduce=None, reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """cross_entropy(input, target) with this module's weight, ignore_index, reduction and
        label_smoothing.

        Shape: input (C), (N, C) or (N, C, d1, ...) logits; target (), (N) or (N, d1, ...) int64
        class indices, or class probabilities of input's shape; output a scalar, or the target's
        shape for reduction="none"."""
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_WeightedLoss):
    def __init__(self, weight: Tensor | None = None, size_average=None, ignore_index: int = -100,
                 reduce=None, reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """nll_loss(input, target) with this module's weight, ignore_index and reduction.

        Shape: input (C), (N, C) or (N, C, d1, ...) log-probabilities; target (), (N) or (N, d1,
        ...) int64 class indices; output a scalar, or the target's shape for reduction="none"."""
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class MSELoss(_Loss):
    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """mse_loss(input, target, reduction): the mean (or sum, or element-wise) squared error.

        Shape: input (*); target (*), the same shape; output a scalar, or (*) for reduction="none".
        """
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """l1_loss(input, target, reduction): the mean (or sum, or element-wise) absolute error.

        Shape: input (*); target (*), the same shape; output a scalar, or (*) for reduction="none".
        """
        return F.l1_loss(input, target, reduction=self.reduction)


class BCELoss(_WeightedLoss):
    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """binary_cross_entropy(input, target) of probabilities in [0, 1], with this module's weight
        and reduction.

        Shape: input (*); target (*), the same shape; output a scalar, or (*) for reduction="none".
        Raises ValueError when the shapes differ."""
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    def __init__(self, weight: Tensor | None = None, size_average=None, reduce=None,
                 reduction: str = "mean", pos_weight: Tensor | None = None) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """binary_cross_entropy_with_logits(input, target) with this module's weight, pos_weight and
        reduction: sigmoid and binary cross entropy fused, stable for large logits.

        Shape: input (*) logits; target (*), the same shape; output a scalar, or (*) for
        reduction="none". Raises ValueError when the shapes differ."""
        return F.binary_cross_entropy_with_logits(input, target, self.weight,
                                                  pos_weight=self.pos_weight,
                                                  reduction=self.reduction)
