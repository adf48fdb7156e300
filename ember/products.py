"""Products and distances (torch.* counterparts): einsum, the matrix products with PyTorch's
shape rules and errors (mm, bmm, mv, dot, vdot, inner, outer, kron, tensordot), the fused
add-and-multiply family (addmm, addmv, addr, addbmm, baddbmm), cross, cdist, cosine_similarity
and pairwise_distance.

einsum is one primitive (ember.ops.products.Einsum); the fixed-shape products are matmul with
PyTorch's checks in front; the rest are composites of differentiable ops.
"""

from __future__ import annotations

import builtins
import string
import warnings

import numpy as np

from . import ops
from ._args import type_name
from ._out import takes_out
from .functions import where
from .promotion import binary_operands
from .reductions import norm, sum
from .shapes import expand, reshape, select, stack
from .tensor import Tensor


# ---- einsum -------------------------------------------------------------------------------
def _sublist_term(sublist) -> str:
    return "".join("..." if s is Ellipsis else string.ascii_letters[s] for s in sublist)


def _sublist_equation(args) -> tuple[str, list]:
    """einsum(op1, [0, 1], op2, [1, 2], [0, 2]) (the output sublist optional) as an equation
    and its operands."""
    pairs = len(args) // 2
    operands = list(args[0:2 * pairs:2])
    equation = ",".join(_sublist_term(sub) for sub in args[1:2 * pairs:2])
    if len(args) % 2:
        equation += "->" + _sublist_term(args[-1])
    return equation, operands


def _explicit(equation: str, operands: list) -> tuple[str, list]:
    """The equation with '...' spelled out as letters and the implicit output made explicit,
    and the operands expanded where a dim of size 1 meets a larger one (PyTorch broadcasts)."""
    equation = equation.replace(" ", "")
    lhs, arrow, rhs = equation.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(operands):
        more = "fewer" if len(operands) < len(terms) else "more"
        raise RuntimeError(f"einsum(): {more} operands were provided than specified in the "
                           f"equation ({len(terms)} in '{equation}', {len(operands)} given)")
    used = set(equation) - set(",.->")
    free = iter(c for c in string.ascii_letters if c not in used)
    ellipsis_rank = 0
    for term, t in zip(terms, operands):
        letters = len(term.replace("...", ""))
        if "..." in term:
            ellipsis_rank = builtins.max(ellipsis_rank, t._data.ndim - letters)
        elif t._data.ndim != letters:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({letters}) "
                               f"does not match the number of dimensions ({t._data.ndim}) for "
                               f"operand {operands.index(t)} and no ellipsis was given")
    ellipsis = "".join(next(free) for _ in range(ellipsis_rank))
    explicit_terms = []
    for term, t in zip(terms, operands):
        rank = t._data.ndim - len(term.replace("...", ""))
        explicit_terms.append(term.replace("...", ellipsis[ellipsis_rank - rank:]))
    if arrow:
        output = rhs.replace("...", ellipsis)
    else:
        counts = {c: "".join(explicit_terms).count(c) for c in set("".join(explicit_terms))}
        output = ellipsis + "".join(sorted(c for c, n in counts.items()
                                           if n == 1 and c not in ellipsis))
    sizes: dict = {}
    for k, (term, t) in enumerate(zip(explicit_terms, operands)):
        for letter, n in zip(term, t._data.shape):
            seen = sizes.get(letter, 1)
            if n != 1 and seen != 1 and n != seen:
                raise RuntimeError(f"einsum(): subscript {letter} has size {n} for operand {k} "
                                   f"which does not broadcast with previously seen size {seen}")
            sizes[letter] = builtins.max(seen, n)
    expanded = [expand(t, tuple(sizes[c] for c in term)) for term, t in zip(explicit_terms,
                                                                              operands)]
    return ",".join(explicit_terms) + "->" + output, expanded


def einsum(*args) -> Tensor:
    """Einstein summation: einsum('ij,jk->ik', a, b), einsum('ij,jk', [a, b]), or the sublist
    form einsum(a, [0, 1], b, [1, 2], [0, 2]). Ellipses, implicit outputs and dims of size 1
    broadcast as in PyTorch. Operands must share one dtype."""
    if not args:
        raise TypeError("einsum(): must specify the equation string and at least one operand")
    if isinstance(args[0], str):
        equation, operands = args[0], list(args[1:])
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = list(operands[0])
    else:
        equation, operands = _sublist_equation(args)
    if not operands:
        raise RuntimeError("einsum(): must provide at least one operand")
    dtypes = {t._data.dtype for t in operands}
    if len(dtypes) > 1:
        kinds = " and ".join(str(t.dtype) for t in operands)
        raise RuntimeError(f"einsum(): expected all operands to have the same dtype, got {kinds}")
    explicit, expanded = _explicit(equation, operands)
    return ops.products.Einsum.apply(*expanded, equation=explicit)


# ---- fixed-shape products ------------------------------------------------------------------
def _check_dtypes(a: Tensor, b: Tensor) -> None:
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{type_name(a).lower()} != {type_name(b).lower()}")


@takes_out
def mm(input, mat2) -> Tensor:
    """(n, m) @ (m, p) -> (n, p): both 2-D, of one dtype."""
    if input._data.ndim != 2:
        raise RuntimeError(f"mm: self must be a matrix, got {input._data.ndim}-D")
    if mat2._data.ndim != 2:
        raise RuntimeError(f"mm: mat2 must be a matrix, got {mat2._data.ndim}-D")
    _check_dtypes(input, mat2)
    (n, m), (m2, p) = input._data.shape, mat2._data.shape
    if m != m2:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({n}x{m} and {m2}x{p})")
    return ops.MatMul.apply(input, mat2)


@takes_out
def bmm(input, mat2) -> Tensor:
    """(b, n, m) @ (b, m, p) -> (b, n, p): both 3-D with one batch size, of one dtype."""
    if input._data.ndim != 3:
        raise RuntimeError(f"batch1 must be a 3D tensor, got {input._data.ndim}-D")
    if mat2._data.ndim != 3:
        raise RuntimeError(f"batch2 must be a 3D tensor, got {mat2._data.ndim}-D")
    _check_dtypes(input, mat2)
    b, _, m = input._data.shape
    if mat2._data.shape[:2] != (b, m):
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{b}, {m}] but got: {list(mat2._data.shape[:2])}.")
    return ops.MatMul.apply(input, mat2)


@takes_out
def mv(input, vec) -> Tensor:
    """(n, m) @ (m,) -> (n,)."""
    if input._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input._data.ndim}, "
                           f"{vec._data.ndim}")
    _check_dtypes(input, vec)
    n, m = input._data.shape
    if vec._data.shape[0] != m:
        raise RuntimeError(f"size mismatch, got input ({n}), mat ({n}x{m}), vec "
                           f"({vec._data.shape[0]})")
    return ops.MatMul.apply(input, vec)


@takes_out
def dot(input, tensor) -> Tensor:
    """The inner product of two 1-D tensors of one size and dtype: a 0-d tensor."""
    if input._data.ndim != 1 or tensor._data.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input._data.ndim}D and "
                           f"{tensor._data.ndim}D tensors")
    if input._data.dtype != tensor._data.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{type_name(input)} and {type_name(tensor)}")
    n, k = input._data.shape[0], tensor._data.shape[0]
    if n != k:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{n}] and src [{k}] to "
                           f"have the same number of elements, but got {n} and {k} elements "
                           "respectively")
    return ops.MatMul.apply(input, tensor)


vdot = dot  # the same for real tensors (complex ones are not supported)


@takes_out
def outer(input, vec2) -> Tensor:
    """(n,) x (m,) -> (n, m), input[i] * vec2[j]."""
    for name, t in (("self", input), ("vec2", vec2)):
        if t._data.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t._data.ndim}-D")
    return reshape(input, (-1, 1)) * vec2


ger = outer


@takes_out
def inner(input, other) -> Tensor:
    """The sum over the last dims: (..., k) x (..., k) -> input's leading dims + other's.
    A 0-d operand multiplies."""
    if input._data.ndim == 0 or other._data.ndim == 0:
        return input * other
    if input._data.shape[-1] != other._data.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but "
                           f"got shapes {list(input._data.shape)} and {list(other._data.shape)}")
    return tensordot(input, other, ([-1], [-1]))


@takes_out
def kron(input, other) -> Tensor:
    """The Kronecker product: shapes (a0, a1, ...) and (b0, b1, ...) (the shorter padded with
    leading 1s) give (a0 b0, a1 b1, ...)."""
    a, b = binary_operands(input, other)
    ndim = builtins.max(a._data.ndim, b._data.ndim)
    sa = (1,) * (ndim - a._data.ndim) + a._data.shape
    sb = (1,) * (ndim - b._data.ndim) + b._data.shape
    spread_a = reshape(a, tuple(n for pair in zip(sa, (1,) * ndim) for n in pair))
    spread_b = reshape(b, tuple(n for pair in zip((1,) * ndim, sb) for n in pair))
    return reshape(spread_a * spread_b, tuple(x * y for x, y in zip(sa, sb)))


def _tensordot_dims(dims, ndim_a: int) -> list[list]:
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        return list(range(ndim_a - dims, ndim_a)), list(range(dims))
    return [[d] if isinstance(d, int) else list(d) for d in dims]


@takes_out
def tensordot(a, b, dims=2) -> Tensor:
    """The sum of products over dims of a and b: dims=n pairs a's last n with b's first n; or
    two lists of dims. Shape: a's other dims, then b's."""
    dims_a, dims_b = _tensordot_dims(dims, a._data.ndim)
    if len(dims_a) != len(dims_b):
        raise RuntimeError(f"both dimension lists should have same length, got {dims_a} and "
                           f"{dims_b}")
    letters = iter(string.ascii_letters)
    term_a = [next(letters) for _ in range(a._data.ndim)]
    term_b = [next(letters) for _ in range(b._data.ndim)]
    for da, db in zip(dims_a, dims_b):
        size_a, size_b = a._data.shape[da], b._data.shape[db]
        if size_a != size_b:
            raise RuntimeError(f"contracted dimensions need to match, but first has size "
                               f"{size_a} in dim {da} and second has size {size_b} in dim {db}")
        term_b[db % b._data.ndim] = term_a[da % a._data.ndim]
    shared = {term_a[d % a._data.ndim] for d in dims_a}
    output = [c for c in term_a if c not in shared] + [c for c in term_b if c not in shared]
    a, b = binary_operands(a, b)
    return einsum(f"{''.join(term_a)},{''.join(term_b)}->{''.join(output)}", a, b)


# ---- add and multiply: beta * input + alpha * (product) -------------------------------------
def _scaled_sum(name: str, input, product: Tensor, beta, alpha) -> Tensor:
    """beta * input + alpha * product, input broadcast to the product's shape; beta = 0 ignores
    input (NaN included), as PyTorch."""
    if alpha != 1:
        product = product * alpha
    shape, target = input._data.shape, product._data.shape
    fits = len(shape) <= len(target) and all(
        n in (1, m) for n, m in zip(shape[::-1], target[::-1]))
    if not fits:
        raise RuntimeError(f"{name}: the input of shape {list(shape)} cannot be broadcast to "
                           f"the product's shape {list(target)}")
    if beta == 0:  # input's values (NaN included) are ignored; its gradient is 0
        return product + where(np.zeros(input._data.shape, bool), input, 0.0)
    return (input if beta == 1 else input * beta) + product


@takes_out
def addmm(input, mat1, mat2, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * (mat1 @ mat2); input broadcasts to (n, p)."""
    return _scaled_sum("addmm", input, mm(mat1, mat2), beta, alpha)


@takes_out
def addmv(input, mat, vec, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * (mat @ vec); input broadcasts to (n,)."""
    return _scaled_sum("addmv", input, mv(mat, vec), beta, alpha)


@takes_out
def addr(input, vec1, vec2, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * outer(vec1, vec2); input broadcasts to (n, m)."""
    return _scaled_sum("addr", input, outer(vec1, vec2), beta, alpha)


@takes_out
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * bmm(batch1, batch2); input broadcasts to (b, n, p)."""
    return _scaled_sum("baddbmm", input, bmm(batch1, batch2), beta, alpha)


@takes_out
def addbmm(input, batch1, batch2, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * the sum over the batch of bmm(batch1, batch2); input broadcasts
    to (n, p)."""
    return _scaled_sum("addbmm", input, sum(bmm(batch1, batch2), 0), beta, alpha)


# ---- cross products and distances ------------------------------------------------------------
def _cross(input, other, dim: int, name: str) -> Tensor:
    a, b = binary_operands(input, other)
    shape = np.broadcast_shapes(a._data.shape, b._data.shape)
    a, b = expand(a, shape), expand(b, shape)
    if a._data.ndim == 0 or not -len(shape) <= dim < len(shape):
        raise IndexError(f"{name}: Dimension out of range (dim {dim} for shape {list(shape)})")
    if input._data.shape[dim] != 3 or other._data.shape[dim] != 3:
        raise RuntimeError(f"{name}: inputs dimension {dim} must have length 3. Got "
                           f"{input._data.shape[dim]} and {other._data.shape[dim]}")
    a0, a1, a2 = (select(a, dim, i) for i in range(3))
    b0, b1, b2 = (select(b, dim, i) for i in range(3))
    return stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], dim)


@takes_out
def cross(input, other, dim=None) -> Tensor:
    """The cross product of 3-vectors along dim (default: the first dim of size 3, with
    PyTorch's deprecation warning); shapes broadcast."""
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\n"
                      "Please either pass the dim explicitly or simply use torch.linalg.cross.\n"
                      "The default value of dim will change to agree with that of linalg.cross "
                      "in a future release.", UserWarning, stacklevel=3)
        shape = np.broadcast_shapes(input._data.shape, other._data.shape)
        dim = next((d for d, n in enumerate(shape) if n == 3), -1)
    return _cross(input, other, dim, "linalg.cross")


def _cdist_errors(x1, x2, p) -> None:
    for name, t in (("X1", x1), ("X2", x2)):
        if t._data.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: "
                               f"{t._data.ndim}D")
        if t._data.dtype.kind != "f":
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: "
                               f"{type_name(t)}")
    if x1._data.shape[-1] != x2._data.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: "
                           f"{x1._data.shape[-1]} X2: {x2._data.shape[-1]}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")


_CDIST_MODES = (None, "use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                "donot_use_mm_for_euclid_dist")


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """The p-norm distances between the rows of x1 (..., P, M) and of x2 (..., R, M):
    (..., P, R), batch dims broadcast. For p = 2 with more than 25 rows (or
    compute_mode='use_mm_for_euclid_dist') by matrix products, as PyTorch; the gradient is 0
    where a distance is 0."""
    if compute_mode not in _CDIST_MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    _cdist_errors(x1, x2, p)
    x1, x2 = binary_operands(x1, x2)
    batch = np.broadcast_shapes(x1._data.shape[:-2], x2._data.shape[:-2])
    x1 = expand(x1, batch + x1._data.shape[-2:])
    x2 = expand(x2, batch + x2._data.shape[-2:])
    rows = builtins.max(x1._data.shape[-2], x2._data.shape[-2])
    use_mm = p == 2 and (compute_mode == "use_mm_for_euclid_dist" or (
        compute_mode in (None, "use_mm_for_euclid_dist_if_necessary") and rows > 25))
    if use_mm:
        return ops.products.EuclideanDist.apply(x1, x2)
    differences = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    return norm(differences, p, dim=-1)


def cosine_similarity(x1, x2, dim=1, eps=1e-8) -> Tensor:
    """ember.nn.functional.cosine_similarity, as torch.cosine_similarity is. Shape: x1 and x2
    broadcast together; dim is removed."""
    from .nn.functional import distance  # ember.nn imports ember: not at import time

    return distance.cosine_similarity(x1, x2, dim, eps)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False) -> Tensor:
    """ember.nn.functional.pairwise_distance, as torch.pairwise_distance is. Shape: x1 and x2
    broadcast to (*, D); the output is (*), or (*, 1) with keepdim."""
    from .nn.functional import distance

    return distance.pairwise_distance(x1, x2, p, eps, keepdim)


__all__ = ["einsum", "mm", "bmm", "mv", "dot", "vdot", "outer", "ger", "inner", "kron",
           "tensordot", "addmm", "addmv", "addr", "baddbmm", "addbmm", "cross", "cdist",
           "cosine_similarity", "pairwise_distance"]
