"""Sparse tensors and complex dtypes are out of ember's scope: what a PyTorch program reaches
for raises one NotImplementedError that names them (not an AttributeError)."""

from __future__ import annotations

import pytest

import ember


@pytest.mark.parametrize("name", ["complex64", "complex128", "cfloat"])
def test_complex_dtypes_say_they_are_not_supported(name):
    with pytest.raises(NotImplementedError, match=f"ember.{name}: complex dtypes"):
        getattr(ember, name)


@pytest.mark.parametrize("name", ["view_as_complex", "polar"])
def test_complex_functions_say_they_are_not_supported(name):
    with pytest.raises(NotImplementedError, match=f"{name}: complex dtypes"):
        getattr(ember, name)(ember.ones(2, 2))


@pytest.mark.parametrize("name", ["sparse_coo_tensor", "spmm", "sparse_csr_tensor"])
def test_sparse_functions_say_they_are_not_supported(name):
    with pytest.raises(NotImplementedError, match=f"{name}: sparse tensors"):
        getattr(ember, name)(ember.ones(2, 2))


@pytest.mark.parametrize("name", ["to_sparse", "to_sparse_coo", "to_sparse_csr"])
def test_to_sparse_says_it_is_not_supported(name):
    with pytest.raises(NotImplementedError, match=f"Tensor.{name}: sparse tensors"):
        getattr(ember.ones(2, 2), name)()


def test_tensors_are_dense_and_real(torch):
    for m in (ember, torch):
        t = m.ones(2)
        assert t.is_sparse is False and t.is_complex() is False


def test_unknown_names_are_still_attribute_errors():
    with pytest.raises(AttributeError):
        ember.no_such_function  # noqa: B018
    assert not hasattr(ember, "complex64")  # what feature tests ask stays a plain False
