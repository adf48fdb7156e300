"""Random sampling: multinomial, bernoulli, poisson, normal (its four forms), randint_like, and
the in-place samplers of a tensor (uniform_, normal_, random_, exponential_, bernoulli_,
geometric_, log_normal_, cauchy_).

Every draw comes from a generator's NumPy Generator (ember.random.rng_of: the default one,
seeded by ember.manual_seed, or the `generator=` given), so runs are reproducible; the numbers
differ from PyTorch's, the distributions do not. A sample's gradient with respect to tensor
parameters (bernoulli's p, normal's mean and std, ...) is zero, as PyTorch defines it.
"""

from __future__ import annotations

import numbers

import numpy as np

from . import dtypes as _dt
from . import ops
from ._out import write_out
from .autograd import _mode
from .creation import _finish, _size
from .devices import check_available
from .inplace import inplace
from .random import rng_of
from .tensor import Tensor, _make


def _sampled(values: np.ndarray, *params) -> Tensor:
    """values as a tensor; in the graph (with zero gradients) when a parameter requires grad."""
    tensors = [p for p in params if isinstance(p, Tensor)]
    if _mode.enabled and any(t.requires_grad for t in tensors):
        return ops.Sampled.apply(*tensors, values=values)
    return _make(values, None)


def _floating(name: str, t: Tensor) -> None:
    if not _dt.is_float(t._data.dtype):
        raise NotImplementedError(f"{name}(): not implemented for {t.dtype} tensors; "
                                  "floating point only, as in PyTorch")


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None) -> Tensor:
    """num_samples category indices per row of non-negative weights (1-D, or 2-D: one draw
    per row), with or without replacement. Shape: (num_samples,) or (rows, num_samples);
    int64. Without replacement, categories of weight 0 come last, once the others are drawn."""
    p = input._data
    if p.ndim not in (1, 2):
        raise RuntimeError(f"multinomial(): prob_dist must be 1 or 2 dim, got shape "
                           f"{list(p.shape)}")
    if not _dt.is_float(p.dtype):
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{input.dtype}")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    n = p.shape[-1]
    if not replacement and num_samples > n:
        raise RuntimeError(f"cannot sample n_sample > prob_dist.size(-1) samples without "
                           f"replacement ({num_samples} > {n})")
    rows = p.reshape(-1, n).astype(np.float64)
    if not np.isfinite(rows).all() or (rows < 0).any():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if (rows.sum(axis=1) <= 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    rng = rng_of(generator)
    if replacement:  # inverse CDF: zero-weight categories have empty intervals
        cdf = np.cumsum(rows, axis=1)
        cdf /= cdf[:, -1:]
        uniform = rng.random((rows.shape[0], num_samples))
        drawn = np.stack([np.minimum(np.searchsorted(c, u, side="right"), n - 1)
                          for c, u in zip(cdf, uniform)])
    else:  # exponential race: the k smallest of E_i / w_i are a draw without replacement
        with np.errstate(divide="ignore"):
            keys = rng.standard_exponential(rows.shape) / rows
        drawn = np.argsort(keys, axis=1, kind="stable")[:, :num_samples]
    drawn = drawn.astype(np.int64).reshape(p.shape[:-1] + (num_samples,))
    if out is not None and out._data.dtype != np.int64:
        raise RuntimeError(f"multinomial expects Long tensor out, got: {out.dtype}")
    return write_out("multinomial", _make(drawn, None), out)


def bernoulli(input, p=None, *, generator=None, out=None) -> Tensor:
    """1 with probability input (or p, a number), else 0, element-wise, in input's dtype."""
    _floating("bernoulli", input)
    probability = input._data if p is None else p
    if np.any((np.asarray(probability) < 0) | (np.asarray(probability) > 1)):
        raise RuntimeError("bernoulli(): Expected p_in >= 0 && p_in <= 1 to be true, but got "
                           "false.")
    values = (rng_of(generator).random(input._data.shape) < probability).astype(input._data.dtype)
    return write_out("bernoulli", _sampled(values, input if p is None else None), out, cast=True)


def poisson(input, generator=None) -> Tensor:
    """A Poisson draw for each rate in input (non-negative), in input's float dtype."""
    _floating("poisson", input)
    if (input._data < 0).any():
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    values = rng_of(generator).poisson(input._data).astype(input._data.dtype)
    return _sampled(values, input)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None,
           device=None, pin_memory=False, requires_grad=False) -> Tensor:
    """Normal draws: element-wise for tensor mean and/or std (broadcast together; the tensor's
    dtype), or `size` of them for numbers (the default dtype unless given). std >= 0."""
    check_available(device)
    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    if tensors:
        for t in tensors:
            _floating("normal", t)
        mean_values = mean._data if isinstance(mean, Tensor) else mean
        std_values = std._data if isinstance(std, Tensor) else std
        if isinstance(std, Tensor) and (std._data < 0).any():
            raise RuntimeError("normal expects all elements of std >= 0.0")
        try:
            shape = np.broadcast_shapes(np.shape(mean_values), np.shape(std_values))
        except ValueError:
            raise RuntimeError(f"normal(): mean of shape {list(np.shape(mean_values))} and std "
                               f"of shape {list(np.shape(std_values))} cannot be broadcast "
                               "together") from None
        np_dtype = _dt.promote_np(*[t._data.dtype for t in tensors]) if len(tensors) == 2 else (
            tensors[0]._data.dtype)
    else:
        if size is None:
            raise TypeError("normal() with a number mean and std needs a size")
        mean_values, std_values, shape = mean, std, _size((size,))
        np_dtype = _dt.to_np(dtype) if dtype is not None else _dt.default_float.np
    if isinstance(std_values, numbers.Number) and std_values < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std_values}")
    values = rng_of(generator).normal(mean_values, std_values, shape).astype(np_dtype)
    result = _sampled(values, *tensors) if tensors else _finish(values, requires_grad)
    return write_out("normal", result, out)


def rand_like(input, *, generator=None, dtype=None, layout=None, device=None,
              requires_grad=False, memory_format=None) -> Tensor:
    """Uniform draws in [0, 1) shaped like input (in its dtype unless given)."""
    return _like("rand_like", input, dtype, device, requires_grad,
                 lambda rng, shape: rng.random(shape), generator)


def randn_like(input, *, generator=None, dtype=None, layout=None, device=None,
               requires_grad=False, memory_format=None) -> Tensor:
    """Standard normal draws shaped like input (in its dtype unless given)."""
    return _like("randn_like", input, dtype, device, requires_grad,
                 lambda rng, shape: rng.standard_normal(shape), generator)


def randint_like(input, low=0, high=None, *, generator=None, dtype=None, layout=None,
                 device=None, requires_grad=False, memory_format=None) -> Tensor:
    """Integers drawn uniformly from [low, high) (from [0, low) when high is not given), shaped
    like input, in its dtype unless given."""
    if high is None:
        low, high = 0, low
    if low >= high:
        raise RuntimeError(f"randint_like(): random_ expects 'from' to be less than 'to', but "
                           f"got from={low} >= to={high}")
    check_available(device)
    np_dtype = _dt.to_np(dtype) if dtype is not None else input._data.dtype
    values = rng_of(generator).integers(low, high, input._data.shape).astype(np_dtype)
    return _finish(values, requires_grad)


def _like(name: str, input, dtype, device, requires_grad, draw, generator) -> Tensor:
    check_available(device)
    np_dtype = _dt.to_np(dtype) if dtype is not None else input._data.dtype
    if not _dt.is_float(np_dtype):
        raise NotImplementedError(f"{name}(): not implemented for {_dt.from_numpy_dtype(np_dtype)}"
                                  "; floating point only, as in PyTorch")
    return _finish(draw(rng_of(generator), input._data.shape).astype(np_dtype), requires_grad)


# ---- Tensor's in-place samplers ----------------------------------------------------------------
def _fill_with(self: Tensor, name: str, values: np.ndarray, *params) -> Tensor:
    """self overwritten in place by values (its old values, and tensor parameters, get a zero
    gradient)."""
    return inplace(self, name, lambda old: ops.Sampled.apply(
        old, *[p for p in params if isinstance(p, Tensor)], values=values.astype(
            self._data.dtype)))


def _continuous(self: Tensor, kind: str) -> None:
    """exponential_ and cauchy_ refuse integer tensors with a RuntimeError, as PyTorch's."""
    if not _dt.is_float(self._data.dtype):
        raise RuntimeError(f"{kind} distribution is a continuous probability distribution. "
                           f"dtype must be a floating point but you specified {self.dtype}")


def _from_keyword(name: str, from_, kwargs: dict):
    """PyTorch's keyword `from` (a Python keyword, so it arrives in **kwargs)."""
    from_ = kwargs.pop("from", from_)
    if kwargs:
        raise TypeError(f"{name}() got an unexpected keyword argument {next(iter(kwargs))!r}")
    return from_


def uniform_(self, from_=0.0, to=1.0, *, generator=None, **kwargs) -> Tensor:
    """self filled with draws from U[from, to)."""
    from_ = _from_keyword("uniform_", from_, kwargs)
    _floating("uniform_", self)
    if from_ > to:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={from_} > to={to}")
    return _fill_with(self, "uniform_", rng_of(generator).uniform(from_, to, self._data.shape))


def normal_(self, mean=0.0, std=1.0, *, generator=None) -> Tensor:
    """self filled with draws from N(mean, std**2)."""
    _floating("normal_", self)
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    return _fill_with(self, "normal_", rng_of(generator).normal(mean, std, self._data.shape))


def _random_bounds(dtype: np.dtype) -> tuple:
    """random_()'s range with no bounds: [0, 2**mantissa] for floats, the type's for integers."""
    if dtype == np.bool_:
        return 0, 2
    if _dt.is_float(dtype):
        return 0, 2 ** (np.finfo(dtype).nmant + 1) + 1
    return 0, int(np.iinfo(dtype).max) + 1


def random_(self, from_=None, to=None, *, generator=None, **kwargs) -> Tensor:
    """self filled with integers drawn uniformly from [from, to) (random_(to): [0, to);
    random_(): every integer the dtype holds exactly, from 0)."""
    from_ = _from_keyword("random_", from_, kwargs)
    dtype = self._data.dtype
    if from_ is None:
        low, high = _random_bounds(dtype)
    elif to is None:
        low, high = 0, from_
    else:
        low, high = from_, to
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= "
                           f"to={high}")
    limit = _random_bounds(dtype)[1]
    if high - 1 >= limit and dtype.kind in "iub":
        raise RuntimeError(f"random_(): to - 1 is out of bounds for {self.dtype}")
    values = rng_of(generator).integers(low, high, self._data.shape, dtype=np.int64)
    return _fill_with(self, "random_", values)


def exponential_(self, lambd=1.0, *, generator=None) -> Tensor:
    """self filled with draws from the exponential distribution of rate lambd."""
    _continuous(self, "Exponential")
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    draws = rng_of(generator).exponential(1.0 / lambd, self._data.shape)
    return _fill_with(self, "exponential_", draws)


def bernoulli_(self, p=0.5, *, generator=None) -> Tensor:
    """self filled with 1 with probability p (a number or a tensor broadcast to self), else 0."""
    probability = p._data if isinstance(p, Tensor) else p
    if not isinstance(p, Tensor) and not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    draws = rng_of(generator).random(self._data.shape) < probability
    return _fill_with(self, "bernoulli_", draws, p)


def geometric_(self, p, *, generator=None) -> Tensor:
    """self filled with the number of Bernoulli(p) trials up to the first success (1, 2, ...)."""
    if self._data.dtype == np.bool_:
        raise NotImplementedError("geometric_(): not implemented for bool tensors")
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    return _fill_with(self, "geometric_", rng_of(generator).geometric(p, self._data.shape))


def log_normal_(self, mean=1.0, std=2.0, *, generator=None) -> Tensor:
    """self filled with exp of draws from N(mean, std**2)."""
    _floating("log_normal_", self)
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    draws = rng_of(generator).lognormal(mean, std, self._data.shape)
    return _fill_with(self, "log_normal_", draws)


def cauchy_(self, median=0.0, sigma=1.0, *, generator=None) -> Tensor:
    """self filled with draws from the Cauchy distribution at median with scale sigma."""
    _continuous(self, "Cauchy")
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
    draws = median + sigma * rng_of(generator).standard_cauchy(self._data.shape)
    return _fill_with(self, "cauchy_", draws)


IN_PLACE = ("uniform_", "normal_", "random_", "exponential_", "bernoulli_", "geometric_",
            "log_normal_", "cauchy_")

__all__ = ["multinomial", "bernoulli", "poisson", "normal", "rand_like", "randn_like",
           "randint_like"]
