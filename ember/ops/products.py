"""Einsum, the general product, and the Euclidean distance matrix of cdist.

Einsum runs on an explicit equation ('ij,jk->ik': no ellipsis, every letter's size the same in
every operand; ember.products.einsum gets there). The gradient of an operand is itself an
einsum: of the output's gradient with the other operands, into the operand's subscripts. A
letter repeated in the operand (a diagonal, 'ii->i') is written back through an identity matrix
linking it to a fresh letter, and a letter that only the operand has (summed out, 'ij->i')
through a vector of ones, so one Einsum call gives the whole gradient, differentiable again.
"""

from __future__ import annotations

import string

import numpy as np

from ..autograd import Function

__all__ = ["Einsum", "EuclideanDist"]

_LETTERS = string.ascii_letters


class Einsum(Function):
    def forward(ctx, *arrays, equation=""):
        ctx.save_for_backward(*arrays)
        ctx.equation = equation
        return np.asarray(np.einsum(equation, *arrays, optimize=len(arrays) > 1))

    def backward(ctx, g):
        arrays = ctx.saved_tensors
        inputs, output = ctx.equation.split("->")
        subscripts = inputs.split(",")
        grads = []
        for k, need in enumerate(ctx.needs_input_grad):
            if not need:
                grads.append(None)
                continue
            others = [(s, a) for j, (s, a) in enumerate(zip(subscripts, arrays)) if j != k]
            grads.append(_operand_gradient(g, output, others, subscripts[k], arrays[k].shape))
        return tuple(grads)


def _operand_gradient(g, output: str, others: list, target: str, shape: tuple):
    """The gradient of the operand with subscripts `target` (of `shape`): one einsum of g (with
    subscripts `output`) and the other operands, plus constant eye/ones operands."""
    seen = set(output).union(*(s for s, _ in others))
    unused = iter(c for c in _LETTERS if c not in seen and c not in target)
    terms, operands = [output] + [s for s, _ in others], [g] + [a for _, a in others]
    result, first = [], {}
    for letter, size in zip(target, shape):
        if letter in first:  # a repeated letter: a diagonal, written through an identity
            fresh = next(unused)
            terms.append(letter + fresh)
            operands.append(np.eye(size, dtype=_dtype(g)))
            result.append(fresh)
            continue
        first[letter] = size
        if letter not in seen:  # summed out of this operand only: broadcast back
            terms.append(letter)
            operands.append(np.ones(size, dtype=_dtype(g)))
        result.append(letter)
    return Einsum.call(*operands, equation=",".join(terms) + "->" + "".join(result))


def _dtype(a):
    """The array dtype of an array or a Tensor (backward code cannot use .dtype on Tensors)."""
    return getattr(a, "_data", a).dtype


class EuclideanDist(Function):
    """Pairwise Euclidean distances of the rows of x1 (..., P, M) and x2 (..., R, M), by
    matrix products: sqrt(max(|a|^2 + |b|^2 - 2 a.b, 0)) (PyTorch's cdist for p = 2 on more
    than 25 rows). The gradient is that of the exact distance, 0 where a distance is 0."""

    op_name, torch_name = "cdist", "CdistBackward0"

    def forward(ctx, x1, x2):
        squares = (np.sum(x1 * x1, axis=-1)[..., :, None] + np.sum(x2 * x2, axis=-1)[..., None, :]
                   - 2 * (x1 @ np.swapaxes(x2, -1, -2)))
        out = np.sqrt(np.maximum(squares, 0))
        ctx.save_for_backward(x1, x2, out)
        return out

    def backward(ctx, g):
        x1, x2, out = ctx.saved_tensors
        ratio = np.where(out == 0, 0.0, g / np.where(out == 0, 1.0, out))
        need1, need2 = ctx.needs_input_grad
        g1 = (x1 * np.sum(ratio, axis=-1, keepdims=True) - ratio @ x2) if need1 else None
        g2 = (x2 * np.expand_dims(np.sum(ratio, axis=-2), -1)
              - np.swapaxes(ratio, -1, -2) @ x1) if need2 else None
        return g1, g2
