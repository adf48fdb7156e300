"""torch.nn.init: in-place initialisers drawing from ember's seeded generators.

Each writes straight into the tensor's array, which is what running under no_grad amounts to, so
it works on Parameters that require grad. Every draw comes from ember.random.rng_of(generator), so
ember.manual_seed makes initialisation reproducible.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Callable

import numpy as np

from ..random import Generator, rng_of
from ..tensor import Tensor

__all__ = [
    "calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_",
    "eye_", "dirac_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
    "orthogonal_", "sparse_", "uniform", "normal", "constant", "eye", "dirac", "xavier_uniform",
    "xavier_normal", "kaiming_uniform", "kaiming_normal", "orthogonal", "sparse",
]

_LINEAR_GAIN = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                "conv_transpose3d", "sigmoid")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity (PyTorch's table)."""
    if nonlinearity in _LINEAR_GAIN:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    shape = tensor._data.shape
    if len(shape) < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 "
                         f"dimensions (got shape {tuple(shape)})")
    receptive_field = math.prod(shape[2:])
    return shape[1] * receptive_field, shape[0] * receptive_field


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _fill(tensor: Tensor, values) -> Tensor:
    tensor._data[...] = values
    return tensor


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0,
             generator: Generator | None = None) -> Tensor:
    """Fill with values drawn from U(a, b)."""
    return _fill(tensor, rng_of(generator).uniform(a, b, tensor._data.shape))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0,
            generator: Generator | None = None) -> Tensor:
    """Fill with values drawn from N(mean, std**2)."""
    return _fill(tensor, rng_of(generator).normal(mean, std, tensor._data.shape))


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0, generator: Generator | None = None) -> Tensor:
    """Fill from N(mean, std**2) conditioned on [a, b] (a and b are values, not multiples of
    std). Exact for any interval, far in a tail too (where PyTorch's inverse-CDF method warns
    that its values may be wrong)."""
    if not a < b:
        raise ValueError(f"trunc_normal_: expected a < b, got a={a} and b={b}")
    if not std > 0:
        raise ValueError(f"trunc_normal_: expected a positive std, got {std}")
    z = _truncated_standard_normal(rng_of(generator), (a - mean) / std, (b - mean) / std,
                                   tensor._data.size)
    _fill(tensor, (mean + std * z).reshape(tensor._data.shape))
    np.clip(tensor._data, a, b, out=tensor._data)  # rounding to the tensor's dtype may overshoot
    return tensor


def _truncated_standard_normal(rng: np.random.Generator, alpha: float, beta: float,
                               size: int) -> np.ndarray:
    """`size` draws from N(0, 1) conditioned on [alpha, beta], by rejection from whichever
    proposal accepts often there (Robert, 1995, "Simulation of truncated normal variables"):
    N(0, 1) itself when the interval holds much of its mass; an exponential tail from alpha
    for a wide interval in the right tail; else uniform on the interval."""
    if beta <= 0:  # the left tail is the mirror image of the right one
        return -_truncated_standard_normal(rng, -beta, -alpha, size)
    mass = 0.5 * (math.erf(beta / math.sqrt(2)) - math.erf(alpha / math.sqrt(2)))
    propose: Callable[[int], np.ndarray]
    accept: Callable[[np.ndarray], np.ndarray]
    if mass >= 0.3:
        def propose(n: int) -> np.ndarray:
            return rng.standard_normal(n)

        def accept(z: np.ndarray) -> np.ndarray:
            return (z >= alpha) & (z <= beta)
    elif alpha > 0 and (beta - alpha) * beta > 1:
        rate = (alpha + math.sqrt(alpha * alpha + 4)) / 2  # the optimal exponential rate

        def propose(n: int) -> np.ndarray:
            return alpha + rng.exponential(1 / rate, n)

        def accept(z: np.ndarray) -> np.ndarray:
            return (z <= beta) & (rng.random(z.shape) <= np.exp(-0.5 * (z - rate) ** 2))
    else:
        nearest = max(alpha, 0.0)  # where the density peaks on the interval

        def propose(n: int) -> np.ndarray:
            return rng.uniform(alpha, beta, n)

        def accept(z: np.ndarray) -> np.ndarray:
            return rng.random(z.shape) <= np.exp(0.5 * (nearest * nearest - z * z))
    out = np.empty(size)
    filled = 0
    while filled < size:
        z = propose(size - filled)
        z = z[accept(z)]
        out[filled:filled + z.size] = z
        filled += z.size
    return out


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fills `tensor` with `val` in place, outside autograd, and returns it."""
    return _fill(tensor, val)


def ones_(tensor: Tensor) -> Tensor:
    """Fills `tensor` with ones in place, outside autograd, and returns it."""
    return _fill(tensor, 1)


def zeros_(tensor: Tensor) -> Tensor:
    """Fills `tensor` with zeros in place, outside autograd, and returns it."""
    return _fill(tensor, 0)


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-d tensor with the identity (ones on the diagonal of a rectangular one)."""
    if tensor._data.ndim != 2:
        raise ValueError(f"Only tensors with 2 dimensions are supported (got shape "
                         f"{tuple(tensor._data.shape)})")
    return _fill(tensor, np.eye(*tensor._data.shape))


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Fill a 3-, 4- or 5-d convolution weight (out_channels, in_channels, *kernel) with the
    Dirac delta: the convolution keeps its input's channels (as many as fit, in each of
    `groups` groups of output channels); zeros elsewhere."""
    shape = tensor._data.shape
    if len(shape) not in (3, 4, 5):
        raise ValueError(f"Only tensors with 3, 4, or 5 dimensions are supported (got shape "
                         f"{tuple(shape)})")
    if shape[0] % groups != 0:
        raise ValueError(f"dim 0 must be divisible by groups (got {shape[0]} and groups="
                         f"{groups})")
    per_group = shape[0] // groups
    kept = min(per_group, shape[1])
    outputs = (np.arange(groups)[:, None] * per_group + np.arange(kept)).ravel()
    inputs = np.tile(np.arange(kept), groups)
    centre = tuple(size // 2 for size in shape[2:])
    _fill(tensor, 0)
    tensor._data[(outputs, inputs, *centre)] = 1
    return tensor


def xavier_uniform_(tensor: Tensor, gain: float = 1.0,
                    generator: Generator | None = None) -> Tensor:
    """Fills `tensor` in place with values from U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out))
    (Glorot & Bengio, 2010), and returns it.

    fan_in = size(1) * receptive field, fan_out = size(0) * receptive field. Raises ValueError
    for a tensor of fewer than 2 dims.
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0,
                   generator: Generator | None = None) -> Tensor:
    """Fills `tensor` in place with values from N(0, std**2), std = gain * sqrt(2 / (fan_in +
    fan_out)) (Glorot & Bengio, 2010), and returns it.

    fan_in = size(1) * receptive field, fan_out = size(0) * receptive field. Raises ValueError
    for a tensor of fewer than 2 dims.
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float:
    return calculate_gain(nonlinearity, a) / math.sqrt(_calculate_correct_fan(tensor, mode))


def _is_empty(tensor: Tensor) -> bool:
    if tensor._data.size == 0:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)
        return True
    return False


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu",
                     generator: Generator | None = None) -> Tensor:
    """He init: U(-bound, bound), bound = gain * sqrt(3 / fan)."""
    if _is_empty(tensor):
        return tensor
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu",
                    generator: Generator | None = None) -> Tensor:
    """He init: N(0, std**2), std = gain / sqrt(fan)."""
    if _is_empty(tensor):
        return tensor
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity), generator)


def orthogonal_(tensor: Tensor, gain: float = 1, generator: Generator | None = None) -> Tensor:
    """Fill with a (semi-)orthogonal matrix times `gain`, uniformly distributed (Haar measure;
    Saxe et al., 2013). Dimensions after the first are flattened: the rows of the
    (shape[0], numel/shape[0]) matrix are orthonormal, or its columns if there are fewer."""
    shape = tensor._data.shape
    if len(shape) < 2:
        raise ValueError(f"Only tensors with 2 or more dimensions are supported (got shape "
                         f"{tuple(shape)})")
    if tensor._data.size == 0:
        return tensor
    rows = shape[0]
    cols = tensor._data.size // rows
    flat = rng_of(generator).standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))  # the signs that make Q uniform rather than QR's convention
    if rows < cols:
        q = q.T
    return _fill(tensor, (q * gain).reshape(shape))


def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01,
            generator: Generator | None = None) -> Tensor:
    """Fill a 2-d tensor from N(0, std**2), then zero ceil(sparsity * rows) randomly chosen
    entries of each column (Martens, 2010)."""
    if tensor._data.ndim != 2:
        raise ValueError(f"Only tensors with 2 dimensions are supported (got shape "
                         f"{tuple(tensor._data.shape)})")
    if not 0 <= sparsity <= 1:
        raise ValueError(f"sparse_: sparsity is the fraction of zeros per column, in [0, 1]; "
                         f"got {sparsity}")
    rows, cols = tensor._data.shape
    rng = rng_of(generator)
    values = rng.normal(0.0, std, (rows, cols))
    # a random permutation of the rows in each column; its first entries are zeroed
    zero_rows = rng.random((rows, cols)).argsort(axis=0)[:math.ceil(sparsity * rows)]
    values[zero_rows, np.arange(cols)] = 0
    return _fill(tensor, values)


def _deprecated(new: Callable[..., Tensor]) -> Callable[..., Tensor]:
    """The old name of an initialiser, without the trailing underscore."""
    old_name = new.__name__[:-1]

    @functools.wraps(new)
    def old(*args, **kwargs):
        warnings.warn(f"`nn.init.{old_name}` is now deprecated in favor of "
                      f"`nn.init.{new.__name__}`.", FutureWarning, stacklevel=2)
        return new(*args, **kwargs)

    old.__name__ = old.__qualname__ = old_name
    return old


uniform = _deprecated(uniform_)
normal = _deprecated(normal_)
constant = _deprecated(constant_)
eye = _deprecated(eye_)
dirac = _deprecated(dirac_)
xavier_uniform = _deprecated(xavier_uniform_)
xavier_normal = _deprecated(xavier_normal_)
kaiming_uniform = _deprecated(kaiming_uniform_)
kaiming_normal = _deprecated(kaiming_normal_)
orthogonal = _deprecated(orthogonal_)
sparse = _deprecated(sparse_)


def _default_layer_init_(weight: Tensor, bias: Tensor | None) -> None:
    """PyTorch's reset_parameters of Linear and Conv: kaiming_uniform_(a=sqrt(5)) for the weight,
    which is U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the same bound for the bias."""
    kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = _calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        uniform_(bias, -bound, bound)
