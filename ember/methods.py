"""Binds the ember.* functions to Tensor as methods and operators, and adds in-place updates."""

from __future__ import annotations

from types import SimpleNamespace

from . import (  # noqa: F401
    arrange,
    functions,
    gather_scatter,
    indexing,
    masked,
    numpy_dispatch,
    ops,
    pointwise,
    products,
    reductions,
    sampling,
    scans,
    selection,
    shapes,
    splits,
    statistics,
    triangular,
    unsupported,
)
from .autograd.function import binary_operator
from .inplace import inplace
from .linalg import _legacy as linalg_legacy
from .tensor import Tensor

F = SimpleNamespace(**{name: getattr(module, name) for module in (
    functions, reductions, shapes, selection, gather_scatter, masked, scans, triangular,
    arrange, sampling, splits, pointwise, statistics, products, linalg_legacy)
    for name in module.__all__}, repeat=arrange.repeat)

_METHODS = (
    "add sub mul div true_divide divide multiply subtract pow neg abs exp log sqrt sin cos tanh "
    "sigmoid relu square clamp clip maximum minimum eq ne lt le gt ge equal allclose isnan "
    "isfinite isinf argmax argmin all any sum mean max min amax amin var std logsumexp softmax "
    "log_softmax norm argsort log1p rsqrt masked_fill sign round floor ceil "
    "floor_divide remainder fmod matmul mm bmm dot reshape flatten squeeze unsqueeze permute "
    "transpose swapaxes swapdims t expand expand_as broadcast_to flip split chunk unbind narrow "
    "select movedim moveaxis unflatten diagonal "
    # selection, gathering and scattering, scans, triangles, rearranging, sampling
    "sort msort topk kthvalue median nanmedian mode unique unique_consecutive bincount histc "
    "gather scatter scatter_add scatter_reduce index_select index_add index_copy index_fill "
    "index_put masked_select masked_scatter take take_along_dim nonzero argwhere put "
    "cumsum cumprod cummax cummin logcumsumexp diff tril triu diag diag_embed trace "
    "roll fliplr flipud rot90 repeat repeat_interleave tile multinomial bernoulli "
    "tensor_split hsplit vsplit dsplit ravel diagflat "
    # ember.pointwise
    "tan asin acos atan arcsin arccos arctan sinh cosh asinh acosh atanh arcsinh arccosh "
    "arctanh expm1 exp2 log2 log10 reciprocal sinc logit erf erfc erfinv lgamma digamma "
    "deg2rad rad2deg nan_to_num sgn trunc fix frac hypot atan2 arctan2 logaddexp logaddexp2 "
    "xlogy lerp addcmul addcdiv isclose isposinf isneginf logical_and logical_or logical_xor "
    "logical_not bitwise_and bitwise_or bitwise_xor bitwise_not bitwise_left_shift "
    "bitwise_right_shift "
    # ember.statistics, ember.products and the matrix functions
    "prod aminmax nansum nanmean count_nonzero mv vdot outer ger inner kron addmm addmv addr "
    "addbmm baddbmm cross det logdet slogdet inverse pinverse matrix_power cholesky svd qr"
).split()

for _name in _METHODS:
    setattr(Tensor, _name, getattr(F, _name))
Tensor.view = F.view
Tensor.view_as = lambda self, other: F.view(self, other._data.shape)
Tensor.view_as.__doc__ = "self.view(other.shape): a view with other's shape (see view)."
Tensor.reshape_as = lambda self, other: F.reshape(self, other._data.shape)
Tensor.reshape_as.__doc__ = "self.reshape(other.shape): a view where possible, else a copy."
Tensor.negative = F.neg
Tensor.greater, Tensor.less, Tensor.greater_equal, Tensor.less_equal = F.gt, F.lt, F.ge, F.le


def _reflected(fn):
    return lambda self, other: fn(other, self)


Tensor.__add__ = binary_operator(ops.Add, F.add)
Tensor.__radd__ = _reflected(F.add)
Tensor.__sub__ = binary_operator(ops.Sub, F.sub, float_only=True)
Tensor.__rsub__ = _reflected(F.sub)
Tensor.__mul__ = binary_operator(ops.Mul, F.mul)
Tensor.__rmul__ = _reflected(F.mul)
Tensor.__truediv__ = binary_operator(ops.Div, F.div, float_only=True)
Tensor.__rtruediv__ = _reflected(F.div)
Tensor.__floordiv__ = F.floor_divide
Tensor.__rfloordiv__ = _reflected(F.floor_divide)
Tensor.__mod__ = F.remainder
Tensor.__rmod__ = _reflected(F.remainder)
Tensor.__pow__ = F.pow
Tensor.__rpow__ = _reflected(F.pow)
Tensor.__matmul__ = binary_operator(ops.MatMul, F.matmul)
Tensor.__rmatmul__ = _reflected(F.matmul)
Tensor.__neg__ = F.neg
Tensor.__pos__ = lambda self: self
Tensor.__abs__ = F.abs


def _comparison(fn):
    def method(self, other):
        try:
            return fn(self, other)
        except TypeError:  # as in PyTorch, `t == None` is False and `t < None` a TypeError
            return NotImplemented

    return method


Tensor.__eq__ = _comparison(F.eq)
Tensor.__ne__ = _comparison(F.ne)
Tensor.__lt__ = _comparison(F.lt)
Tensor.__le__ = _comparison(F.le)
Tensor.__gt__ = _comparison(F.gt)
Tensor.__ge__ = _comparison(F.ge)


Tensor.__and__ = Tensor.__rand__ = F.bitwise_and
Tensor.__or__ = Tensor.__ror__ = F.bitwise_or
Tensor.__xor__ = Tensor.__rxor__ = F.bitwise_xor
Tensor.__lshift__ = F.bitwise_left_shift
Tensor.__rlshift__ = _reflected(F.bitwise_left_shift)
Tensor.__rshift__ = F.bitwise_right_shift
Tensor.__rrshift__ = _reflected(F.bitwise_right_shift)
Tensor.__invert__ = F.bitwise_not


def _polygamma(self, n: int) -> Tensor:
    """ember.polygamma(n, self): the n-th derivative of digamma, element-wise (the tensor comes
    second in the function, first in the method, as in PyTorch)."""
    return F.polygamma(n, self)


Tensor.polygamma = _polygamma


Tensor.type_as = lambda self, other: self.type(other._data.dtype)
Tensor.type_as.__doc__ = "self cast to other's dtype (self itself when they match)."


def _where(self, condition, other):
    """`ember.where(condition, self, other)`: this tensor where condition holds, other elsewhere."""
    return F.where(condition, self, other)


Tensor.where = _where
Tensor.is_sparse = False
Tensor.is_complex = unsupported.is_complex
for _name, _fn in unsupported.TENSOR_METHODS.items():
    setattr(Tensor, _name, _fn)


# ---- in-place ops: the out-of-place function, written back (ember/inplace.py) ----------
def inplace_of(fn, name: str):
    """The in-place method `name` of the function fn(input, *args, **kwargs)."""

    def method(self, *args, **kwargs):
        return inplace(self, name, lambda old: fn(old, *args, **kwargs))

    method.__name__ = name
    method.__doc__ = (f"In-place {getattr(fn, '__name__', name)}: writes the result into this "
                      "tensor and returns it. Same arguments and errors as the function.")
    return method


for _name in ("add sub mul div pow neg abs exp log log1p sqrt sin cos tanh sigmoid relu "
              "clamp clip masked_fill sign round floor ceil rsqrt square true_divide "
              "multiply subtract divide scatter scatter_add scatter_reduce index_add index_copy "
              "index_fill index_put masked_scatter put cumsum cumprod tril triu tan asin acos "
              "atan arcsin arccos arctan sinh cosh asinh acosh atanh arcsinh arccosh arctanh "
              "expm1 exp2 log2 log10 reciprocal sinc logit erf erfc erfinv lgamma digamma "
              "deg2rad rad2deg nan_to_num sgn trunc fix frac hypot atan2 arctan2 xlogy lerp "
              "addcmul addcdiv logical_and logical_or logical_xor logical_not bitwise_and "
              "bitwise_or bitwise_xor bitwise_not bitwise_left_shift bitwise_right_shift addmm "
              "addmv addr addbmm baddbmm").split():
    setattr(Tensor, _name + "_", inplace_of(getattr(F, _name), _name + "_"))
for _name in sampling.IN_PLACE:
    setattr(Tensor, _name, getattr(sampling, _name))
Tensor.negative_ = Tensor.neg_
Tensor.polygamma_ = inplace_of(_polygamma, "polygamma_")
Tensor.__iand__ = Tensor.bitwise_and_
Tensor.__ior__ = Tensor.bitwise_or_
Tensor.__ixor__ = Tensor.bitwise_xor_
Tensor.__ilshift__ = Tensor.bitwise_left_shift_
Tensor.__irshift__ = Tensor.bitwise_right_shift_
Tensor.__iadd__ = Tensor.add_
Tensor.__isub__ = Tensor.sub_
Tensor.__imul__ = Tensor.mul_
Tensor.__itruediv__ = Tensor.div_
Tensor.__ipow__ = Tensor.pow_
Tensor.__imatmul__ = inplace_of(F.matmul, "__imatmul__")
Tensor.__ifloordiv__ = inplace_of(lambda a, b: F.div(a, b, rounding_mode="floor"),
                                  "__ifloordiv__")
Tensor.fill_diagonal_ = triangular.fill_diagonal_
Tensor.zero_ = indexing.zero_
Tensor.fill_ = indexing.fill_
Tensor.copy_ = indexing.copy_
Tensor.__getitem__ = indexing.getitem
Tensor.__setitem__ = indexing.setitem


def _no_sparse(name: str):
    def method(self, *args, **kwargs):
        raise NotImplementedError(f"Tensor.{name}: sparse tensors are not supported by ember "
                                  "(dense real tensors only)")

    method.__name__ = name
    method.__doc__ = "Raises NotImplementedError: ember has no sparse tensors."
    return method


for _name in ("to_sparse", "to_sparse_coo", "to_sparse_csr", "to_sparse_csc"):
    setattr(Tensor, _name, _no_sparse(_name))


def _is_sparse(self) -> bool:
    """False: ember's tensors are dense."""
    return False


def _is_complex(self) -> bool:
    """False: ember has no complex dtypes."""
    return False


Tensor.is_sparse = property(_is_sparse)
Tensor.is_complex = _is_complex
