"""What ember leaves out: sparse tensors and complex dtypes. Each of PyTorch's names for them
exists and raises one clear NotImplementedError that names the feature, rather than a missing
attribute or a wrong answer further on."""

from __future__ import annotations

from collections.abc import Callable


def sparse_message(name: str) -> str:
    return (f"{name}: sparse tensors are not supported by ember (its tensors are dense); use a "
            "dense tensor (and ember.matmul for sparse-dense products)")


def complex_message(name: str) -> str:
    return (f"{name}: complex dtypes are not supported by ember (its tensors are real: float, "
            "integer and bool); keep real and imaginary parts in two real tensors")


class UnsupportedAttribute(NotImplementedError, AttributeError):
    """A module attribute ember does not provide (ember.complex64, ember.sparse, ...): a
    NotImplementedError that says why, and, for hasattr and getattr with a default, a missing
    attribute."""


# PyTorch's module attributes for them: complex dtypes, sparse layouts, torch.sparse
COMPLEX_DTYPES = ("complex32", "complex64", "complex128", "chalf", "cfloat", "cdouble")
SPARSE_NAMES = ("sparse", "sparse_coo", "sparse_csr", "sparse_csc", "sparse_bsr", "sparse_bsc")


def missing_attribute(name: str) -> UnsupportedAttribute | None:
    if name in COMPLEX_DTYPES:
        return UnsupportedAttribute(complex_message(f"ember.{name}"))
    if name in SPARSE_NAMES:
        return UnsupportedAttribute(sparse_message(f"ember.{name}"))
    return None


def _refusal(name: str, message: Callable[[str], str]) -> Callable:
    """A function `name` that raises NotImplementedError(message(name))."""

    def fn(*args, **kwargs):
        raise NotImplementedError(message(name))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Not supported: {message(name)}."
    return fn


def _sparse(name: str):
    return _refusal(name, sparse_message)


def _complex(name: str):
    return _refusal(name, complex_message)


sparse_coo_tensor = _sparse("sparse_coo_tensor")
sparse_csr_tensor = _sparse("sparse_csr_tensor")
sparse_csc_tensor = _sparse("sparse_csc_tensor")
sparse_compressed_tensor = _sparse("sparse_compressed_tensor")
spmm = _sparse("spmm")
view_as_complex = _complex("view_as_complex")
view_as_real = _complex("view_as_real")
complex = _complex("complex")  # noqa: A001 - PyTorch's name
polar = _complex("polar")


def is_complex(input) -> bool:
    """False: ember's tensors are never complex."""
    return False


# Tensor methods (bound in ember/methods.py)
TENSOR_METHODS = {name: _sparse(name) for name in (
    "to_sparse", "to_sparse_coo", "to_sparse_csr", "to_sparse_csc", "to_sparse_bsr",
    "to_sparse_bsc")}

__all__ = ["sparse_coo_tensor", "sparse_csr_tensor", "sparse_csc_tensor",
           "sparse_compressed_tensor", "spmm", "view_as_complex", "view_as_real", "complex",
           "polar", "is_complex"]
