"""Regression, likelihood and sequence losses: Modules holding the options of the functions in
ember.nn.functional (loss_regression, ctc)."""

from __future__ import annotations

from ...tensor import Tensor
from .. import functional as F
from ..functional.loss import _reduction
from ..module import Module
from .loss import _Loss


class SmoothL1Loss(_Loss):
    """0.5 * d**2 / beta where |d| < beta, else |d| - beta / 2."""

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean",
                 beta: float = 1.0) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """F.smooth_l1_loss. Shape: input (*) and target (*); output a scalar for reduction
        'mean' or 'sum', per element (the inputs' broadcast shape) for 'none'."""
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """0.5 * d**2 where |d| < delta, else delta * (|d| - delta / 2)."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """F.huber_loss. Shape: input (*) and target (*); output a scalar for reduction 'mean' or
        'sum', per element (the inputs' broadcast shape) for 'none'."""
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class KLDivLoss(_Loss):
    """Kullback-Leibler divergence of log-probabilities from a target distribution; reduction
    may also be 'batchmean' (the divergence's definition)."""

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean",
                 log_target: bool = False) -> None:
        # not _Loss's check: 'batchmean' is valid here, and PyTorch checks it in forward
        Module.__init__(self)
        self.reduction = (_reduction(size_average, reduce, reduction, "KLDivLoss")
                          if size_average is not None or reduce is not None else reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """F.kl_div of log-probabilities `input` from `target` (log-probabilities with
        log_target). Shape: input (*) and target (*); output a scalar, or (*) with
        reduction='none'."""
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class PoissonNLLLoss(_Loss):
    """Negative log likelihood of a Poisson-distributed target."""

    def __init__(self, log_input: bool = True, full: bool = False, size_average=None,
                 eps: float = 1e-8, reduce=None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_input, self.full, self.eps = log_input, full, eps

    def forward(self, log_input: Tensor, target: Tensor) -> Tensor:
        """F.poisson_nll_loss. Shape: log_input (*) and target (*); output a scalar for reduction
        'mean' or 'sum', per element (the inputs' broadcast shape) for 'none'."""
        return F.poisson_nll_loss(log_input, target, log_input=self.log_input, full=self.full,
                                  eps=self.eps, reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    """Negative log likelihood of the target under N(input, var)."""

    def __init__(self, *, full: bool = False, eps: float = 1e-6,
                 reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        self.full, self.eps = full, eps

    def forward(self, input: Tensor, target: Tensor, var: Tensor | float) -> Tensor:
        """F.gaussian_nll_loss. Shape: input (N, *) or (*), target like input, var like input or
        with one dimension of size 1 (or a float); output a scalar, or the input's shape with
        reduction='none'. Raises ValueError for negative var."""
        return F.gaussian_nll_loss(input, target, var, full=self.full, eps=self.eps,
                                   reduction=self.reduction)


class CTCLoss(_Loss):
    """Connectionist temporal classification loss (see ember.nn.functional.ctc_loss)."""

    def __init__(self, blank: int = 0, reduction: str = "mean",
                 zero_infinity: bool = False) -> None:
        super().__init__(reduction=reduction)
        self.blank, self.zero_infinity = blank, zero_infinity

    def forward(self, log_probs: Tensor, targets: Tensor, input_lengths,
                target_lengths) -> Tensor:
        """F.ctc_loss. Shape: log_probs (T, N, C) or (T, C); targets (N, S) padded or the
        concatenated targets; input_lengths and target_lengths (N,); output a scalar, or (N,)
        with reduction='none'."""
        return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank,
                          self.reduction, self.zero_infinity)
