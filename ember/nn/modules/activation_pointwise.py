"""The element-wise activation layers of torch.nn beyond ReLU, GELU and SiLU: thin Modules over
ember.nn.functional, with PyTorch's constructor arguments, attributes and reprs."""

from __future__ import annotations

import warnings

from ...tensor import Tensor
from .. import functional as F
from .. import init
from ..module import Module
from ..parameter import empty_parameter


def _inplace_suffix(inplace: bool) -> str:
    return ", inplace=True" if inplace else ""


class _Inplace(Module):
    """An activation whose only option is PyTorch's `inplace` flag."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace


class _InplaceShown(_Inplace):
    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class ELU(Module):
    """x for x > 0, else alpha * (exp(x) - 1). Shape: any; the output has the input's shape."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input: Tensor) -> Tensor:
        """F.elu of each element. Shape: input (*), any shape; output (*), the input's shape and
        dtype (floating point: an integer input raises NotImplementedError; with inplace=True the
        input is overwritten and returned)."""
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}{_inplace_suffix(self.inplace)}"


class CELU(ELU):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""

    def forward(self, input: Tensor) -> Tensor:
        """F.celu of each element. Shape: input (*), any shape; output (*), the input's shape and
        dtype (floating point: an integer input raises NotImplementedError; with inplace=True the
        input is overwritten and returned)."""
        return F.celu(input, self.alpha, self.inplace)


class SELU(_InplaceShown):
    """scale * elu(x, alpha) with the self-normalising constants."""

    def forward(self, input: Tensor) -> Tensor:
        """F.selu of each element. Shape: input (*), any shape; output (*), the input's shape and
        dtype (floating point: an integer input raises NotImplementedError; with inplace=True the
        input is overwritten and returned)."""
        return F.selu(input, self.inplace)


class Mish(_InplaceShown):
    """x * tanh(softplus(x))."""

    def forward(self, input: Tensor) -> Tensor:
        """F.mish of each element. Shape: input (*), any shape; output (*), the input's shape and
        dtype (floating point: an integer input raises NotImplementedError; with inplace=True the
        input is overwritten and returned)."""
        return F.mish(input, self.inplace)


class Hardswish(_Inplace):
    """x * relu6(x + 3) / 6."""

    def forward(self, input: Tensor) -> Tensor:
        """F.hardswish of each element. Shape: input (*), any shape; output (*), the input's
        shape and dtype (floating point: an integer input raises NotImplementedError; with
        inplace=True the input is overwritten and returned)."""
        return F.hardswish(input, self.inplace)


class Hardsigmoid(_Inplace):
    """relu6(x + 3) / 6."""

    def forward(self, input: Tensor) -> Tensor:
        """F.hardsigmoid of each element. Shape: input (*), any shape; output (*), the input's
        shape and dtype (floating point: an integer input raises NotImplementedError; with
        inplace=True the input is overwritten and returned)."""
        return F.hardsigmoid(input, self.inplace)


class Hardtanh(Module):
    """x clamped to [min_val, max_val] (min_value / max_value are PyTorch's deprecated names)."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False,
                 min_value: float | None = None, max_value: float | None = None) -> None:
        super().__init__()
        for old, new, value in (("min_value", "min_val", min_value),
                                ("max_value", "max_val", max_value)):
            if value is not None:
                warnings.warn(f"keyword argument `{old}` is deprecated and renamed to `{new}`",
                              FutureWarning, stacklevel=2)
        min_val = min_val if min_value is None else min_value
        max_val = max_val if max_value is None else max_value
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace
        if max_val <= min_val:
            raise AssertionError(f"max_val ({max_val}) must be greater than min_val ({min_val})")

    def forward(self, input: Tensor) -> Tensor:
        """F.hardtanh of each element. Shape: input (*), any shape; output (*), the input's shape
        and dtype (floating point: an integer input raises NotImplementedError; with inplace=True
        the input is overwritten and returned)."""
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}{_inplace_suffix(self.inplace)}"


class ReLU6(Hardtanh):
    """min(max(0, x), 6)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Hardshrink(Module):
    """x where |x| > lambd, else 0."""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        """F.hardshrink of each element. Shape: input (*), any shape; output (*), the input's
        shape and dtype (floating point: an integer input raises NotImplementedError)."""
        return F.hardshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class Softshrink(Hardshrink):
    """x moved lambd towards 0, and 0 on [-lambd, lambd]."""

    def forward(self, input: Tensor) -> Tensor:
        """F.softshrink of each element. Shape: input (*), any shape; output (*), the input's
        shape and dtype (floating point: an integer input raises NotImplementedError)."""
        return F.softshrink(input, self.lambd)


class Tanhshrink(Module):
    """x - tanh(x)."""

    def forward(self, input: Tensor) -> Tensor:
        """F.tanhshrink of each element. Shape: input (*), any shape; output (*), the input's
        shape and dtype (floating point: an integer input raises NotImplementedError)."""
        return F.tanhshrink(input)


class Softsign(Module):
    """x / (1 + |x|)."""

    def forward(self, input: Tensor) -> Tensor:
        """F.softsign of each element. Shape: input (*), any shape; output (*), the input's shape
        and dtype (floating point: an integer input raises NotImplementedError)."""
        return F.softsign(input)


class LogSigmoid(Module):
    """log(sigmoid(x))."""

    def forward(self, input: Tensor) -> Tensor:
        """F.logsigmoid of each element. Shape: input (*), any shape; output (*), the input's
        shape and dtype (floating point: an integer input raises NotImplementedError)."""
        return F.logsigmoid(input)


class Softplus(Module):
    """log(1 + exp(beta * x)) / beta, and x where beta * x > threshold."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input: Tensor) -> Tensor:
        """F.softplus of each element. Shape: input (*), any shape; output (*), the input's shape
        and dtype (floating point: an integer input raises NotImplementedError)."""
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Threshold(Module):
    """x where x > threshold, else value."""

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, input: Tensor) -> Tensor:
        """F.threshold of each element. Shape: input (*), any shape; output (*), the input's
        shape and dtype (floating point: an integer input raises NotImplementedError; with
        inplace=True the input is overwritten and returned)."""
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}{_inplace_suffix(self.inplace)}"


class PReLU(Module):
    """x where x > 0, else a * x, with a learnt: one `a` for all channels, or one per channel
    (dim 1 of the input) when num_parameters is the channel count.

    Shape: input (N, C, *) or any shape when num_parameters is 1. Parameter: weight of shape
    (num_parameters,), initialised to `init`."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None,
                 dtype=None) -> None:
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        self.weight = empty_parameter((num_parameters,), dtype, device)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Set every weight to `init` again."""
        init.constant_(self.weight, self.init)

    def forward(self, input: Tensor) -> Tensor:
        """F.prelu with this module's weight. Shape: input (N, C, *) when num_parameters is C (C
        must match), else any shape; output of the input's shape and dtype."""
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class RReLU(Module):
    """Randomized leaky ReLU: non-positive inputs are scaled by a slope drawn from
    U(lower, upper) in training mode, by (lower + upper) / 2 in evaluation mode."""

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
                 inplace: bool = False) -> None:
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input: Tensor) -> Tensor:
        """F.rrelu with a fresh slope per element in training mode, the mean slope in evaluation
        mode. Shape: any; output of the input's shape and dtype."""
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"lower={self.lower}, upper={self.upper}{_inplace_suffix(self.inplace)}"


class GLU(Module):
    """a * sigmoid(b), a and b the halves of the input along dim.

    Shape: input (*, 2N, *) -> output (*, N, *), halved along dim."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """F.glu along dim. Shape: (*, 2N, *) -> (*, N, *); an odd size along dim raises
        RuntimeError."""
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
