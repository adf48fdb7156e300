"""Attention (torch.nn.functional.scaled_dot_product_attention and
multi_head_attention_forward) over ember.ops.attention.ScaledDotProductAttention."""

from __future__ import annotations

import math
import warnings

import numpy as np

from ... import dtypes as _dt
from ...ops.attention import ScaledDotProductAttention
from ...random import rng_of
from ...shapes import cat
from ...tensor import Tensor, _make
from .activation import softmax
from .dropout import dropout
from .linear import linear

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]

_C10_NAMES = {np.float32: "float", np.float64: "double", np.float16: "c10::Half",
              np.int64: "long int", np.int32: "int", np.int16: "short int", np.int8: "signed char",
              np.uint8: "unsigned char", np.bool_: "bool"}


def _c10(t: Tensor) -> str:
    """A dtype as PyTorch's C++ errors name it."""
    return _C10_NAMES.get(t._data.dtype.type, str(t._data.dtype))


def _attention_shape(query: Tensor, key: Tensor, groups: int) -> tuple:
    """The shape of the attention scores (..., L, S)."""
    key_batch = tuple(key.shape[:-2])
    if groups > 1:
        key_batch = key_batch[:-1] + (key_batch[-1] * groups,)
    return np.broadcast_shapes(tuple(query.shape[:-2]), key_batch) + (query.shape[-2],
                                                                       key.shape[-2])


def _gqa_groups(query: Tensor, other: Tensor, name: str) -> int:
    heads, other_heads = query.shape[-3], other.shape[-3]
    if heads % other_heads:
        raise RuntimeError(f"scaled_dot_product_attention: with enable_gqa=True the number of "
                           f"heads in {name} ({other_heads}) must divide the number of heads in "
                           f"query ({heads})")
    return heads // other_heads


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Tensor | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(query @ key^T * scale + mask) @ value, one fused op; scale defaults to
    1 / sqrt(E). attn_mask is boolean (True: attend) or additive float; is_causal masks
    key j > query i; dropout_p drops attention weights. enable_gqa lets query have a multiple
    of key's and value's heads (dim -3).

    Shape: query (..., L, E), key (..., S, E), value (..., S, Ev), attn_mask broadcastable to
    (..., L, S); returns (..., L, Ev). Float16/32/64, one dtype for all three.

    Raises RuntimeError for mismatched dtypes or sizes, a mask with is_causal, or a dropout
    probability outside [0, 1].
    """
    if min(query.ndim, key.ndim, value.ndim) < 2:
        raise RuntimeError(f"Expected query, key, and value to all be at least 2 dimensional, "
                           f"but got query.dim: {query.ndim} key.dim: {key.ndim} and value.dim: "
                           f"{value.ndim} instead.")
    dtype = query._data.dtype
    if key._data.dtype != dtype or value._data.dtype != dtype:
        raise RuntimeError(f"Expected query, key, and value to have the same dtype, but got "
                           f"query.dtype: {_c10(query)} key.dtype: {_c10(key)} and value.dtype: "
                           f"{_c10(value)} instead.")
    if dtype.kind != "f":
        raise RuntimeError(f"scaled_dot_product_attention: expected floating point query, key "
                           f"and value, got {query.dtype}")
    if not 0.0 <= dropout_p <= 1.0:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")
    if key.shape[-1] != query.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise RuntimeError(f"scaled_dot_product_attention: expected query (..., L, E), key "
                           f"(..., S, E) and value (..., S, Ev), got shapes {tuple(query.shape)}, "
                           f"{tuple(key.shape)} and {tuple(value.shape)}")
    groups = (1, 1)
    if enable_gqa and min(query.ndim, key.ndim, value.ndim) >= 3:
        groups = (_gqa_groups(query, key, "key"), _gqa_groups(query, value, "value"))
    try:
        shape = _attention_shape(query, key, groups[0])
        np.broadcast_shapes(shape[:-2] + (1, 1), _attention_shape(query, value, groups[1])[:-2]
                            + (1, 1))
    except ValueError:
        raise RuntimeError(f"scaled_dot_product_attention: the batch dims of query, key and "
                           f"value do not broadcast: shapes {tuple(query.shape)}, "
                           f"{tuple(key.shape)} and {tuple(value.shape)}") from None
    inputs = [query, key, value]
    if attn_mask is not None:
        if is_causal:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be "
                               "set when is_causal=True")
        kind = attn_mask._data.dtype
        if kind != np.bool_ and kind != dtype:
            raise RuntimeError(f"Expected attn_mask dtype to be bool or float or to match query "
                               f"dtype, but got attn_mask.dtype: {_c10(attn_mask)} and "
                               f"query.dtype: {_c10(query)} instead.")
        if not _broadcasts_to(tuple(attn_mask.shape), shape):
            raise RuntimeError(f"scaled_dot_product_attention: attn_mask of shape "
                               f"{tuple(attn_mask.shape)} does not broadcast to the attention "
                               f"scores' shape {shape}")
        if kind == np.bool_:
            attn_mask = _make(np.where(attn_mask._data, 0, -np.inf).astype(dtype), None)
        inputs.append(attn_mask)
    keep = None
    if dropout_p > 0.0:
        if dropout_p == 1.0:
            keep = np.zeros(shape, dtype=dtype)
        else:
            keep = np.multiply(rng_of(None).random(shape, dtype=dtype) >= dropout_p,
                               1.0 / (1.0 - dropout_p), dtype=dtype)
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    return ScaledDotProductAttention.apply(*inputs, scale=scale, causal=bool(is_causal),
                                           groups=groups, keep=keep)


def _broadcasts_to(shape: tuple, target: tuple) -> bool:
    try:
        return np.broadcast_shapes(shape, target) == target
    except ValueError:
        return False


# ---- multi-head attention -------------------------------------------------------------------
def _none_or_dtype(input: Tensor | None):
    if input is None:
        return None
    if isinstance(input, Tensor):
        return input.dtype
    raise RuntimeError("input to _none_or_dtype() must be None or torch.Tensor")


def _canonical_mask(mask: Tensor | None, mask_name: str, other_type, other_name: str,
                    target_type, check_other: bool = True) -> Tensor | None:
    """A boolean mask (True: masked out) as an additive float one (-inf where True); a float
    mask as it is. Warns when the two masks of one call have different types, as PyTorch."""
    if mask is None:
        return None
    is_float = mask._data.dtype.kind == "f"
    if mask._data.dtype != np.bool_ and not is_float:
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other_type is not None and mask.dtype != other_type:
        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. Use "
                      f"same type for both instead.", stacklevel=2)
    if not is_float:
        return _make(np.where(mask._data, -np.inf, 0).astype(_dt.to_np(target_type)), None)
    return mask


def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads: int) -> bool:
    """Whether the input is batched (3-D query) rather than unbatched (2-D); AssertionError for
    inconsistent dims, with PyTorch's messages."""
    dims = query.dim()
    if dims not in (2, 3):
        raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received "
                             f"{dims}-D query tensor")
    kind = "batched (3-D)" if dims == 3 else "unbatched (2-D)"
    if key.dim() != dims or value.dim() != dims:
        raise AssertionError(f"For {kind} `query`, expected `key` and `value` to be {dims}-D but "
                             f"found {key.dim()}-D and {value.dim()}-D tensors respectively")
    if key_padding_mask is not None and key_padding_mask.dim() != dims - 1:
        raise AssertionError(f"For {kind} `query`, expected `key_padding_mask` to be `None` or "
                             f"{dims - 1}-D but found {key_padding_mask.dim()}-D tensor instead")
    if attn_mask is not None:
        if attn_mask.dim() not in (2, 3):
            raise AssertionError(f"For {kind} `query`, expected `attn_mask` to be `None`, 2-D or "
                                 f"3-D but found {attn_mask.dim()}-D tensor instead")
        expected = (num_heads, query.shape[0], key.shape[0])
        if dims == 2 and attn_mask.dim() == 3 and tuple(attn_mask.shape) != expected:
            raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got "
                                 f"{tuple(attn_mask.shape)}")
    return dims == 3


def _in_projection(query, key, value, in_proj_weight, in_proj_bias, separate: list | None):
    """q, k, v: one GEMM for self-attention (query is key is value), two when key is value, three
    otherwise; with separate (q, k, v) weights, three."""
    embed = query.shape[-1]
    biases = [None] * 3 if in_proj_bias is None else list(in_proj_bias.chunk(3))
    if separate is not None:
        for w, x, name in zip(separate, (query, key, value), ("query", "key", "value")):
            if tuple(w.shape) != (embed, x.shape[-1]):
                raise AssertionError(f"expecting {name} weights shape of "
                                     f"{(embed, x.shape[-1])}, but got {tuple(w.shape)}")
        return [linear(x, w, b) for x, w, b in zip((query, key, value), separate, biases)]
    if key is value and query is key:
        return list(linear(query, in_proj_weight, in_proj_bias).chunk(3, -1))
    weights = in_proj_weight.chunk(3)
    if key is value:
        kv_bias = None if in_proj_bias is None else in_proj_bias[embed:]
        return [linear(query, weights[0], biases[0]),
                *linear(key, in_proj_weight[embed:], kv_bias).chunk(2, -1)]
    return [linear(x, w, b) for x, w, b in zip((query, key, value), weights, biases)]


def _static(t: Tensor, name: str, rows: int, head_dim: int) -> Tensor:
    if t.size(0) != rows:
        raise AssertionError(f"expecting {name}.size(0) of {rows}, but got {t.size(0)}")
    if t.size(2) != head_dim:
        raise AssertionError(f"expecting {name}.size(2) of {head_dim}, but got {t.size(2)}")
    return t


def multi_head_attention_forward(
        query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int, num_heads: int,
        in_proj_weight: Tensor | None, in_proj_bias: Tensor | None, bias_k: Tensor | None,
        bias_v: Tensor | None, add_zero_attn: bool, dropout_p: float, out_proj_weight: Tensor,
        out_proj_bias: Tensor | None, training: bool = True,
        key_padding_mask: Tensor | None = None, need_weights: bool = True,
        attn_mask: Tensor | None = None, use_separate_proj_weight: bool = False,
        q_proj_weight: Tensor | None = None, k_proj_weight: Tensor | None = None,
        v_proj_weight: Tensor | None = None, static_k: Tensor | None = None,
        static_v: Tensor | None = None, average_attn_weights: bool = True,
        is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
    """The computation of nn.MultiheadAttention (its docstring gives the arguments).

    Shape: query (L, N, E) or (L, E); key (S, N, E_k), value (S, N, E_v); key_padding_mask
    (N, S) or (S,); attn_mask (L, S) or (N * num_heads, L, S). Returns the output (L, N, E) and,
    with need_weights, the attention weights (N, L, S) (averaged over heads) or
    (N, num_heads, L, S), else None.
    """
    batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask",
                                       _none_or_dtype(attn_mask), "attn_mask", query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # the hint alone: SDPA builds the causal mask itself
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype,
                                    check_other=False)
        if key_padding_mask is not None:
            is_causal = False  # the merged mask is no longer causal
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but "
                             f"got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise AssertionError(f"key's sequence and batch dims {tuple(key.shape[:2])} do not "
                                 f"match value's {tuple(value.shape[:2])}")
        for w, name in ((q_proj_weight, "q"), (k_proj_weight, "k"), (v_proj_weight, "v")):
            if w is None:
                raise AssertionError(f"use_separate_proj_weight is True but {name}_proj_weight "
                                     f"is None")
        separate = [q_proj_weight, k_proj_weight, v_proj_weight]
    else:
        if tuple(key.shape) != tuple(value.shape):
            raise AssertionError(f"key shape {tuple(key.shape)} does not match value shape "
                                 f"{tuple(value.shape)}")
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        separate = None
    q, k, v = _in_projection(query, key, value, in_proj_weight, in_proj_bias, separate)
    src_len = key.shape[0]
    if attn_mask is not None:
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {tuple(attn_mask.shape)}, "
                                   f"but should be {(tgt_len, src_len)}.")
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.dim() == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(f"The shape of the 3D attn_mask is {tuple(attn_mask.shape)}, "
                                   f"but should be {(bsz * num_heads, tgt_len, src_len)}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")
    if bias_k is not None and bias_v is not None:
        if static_k is not None or static_v is not None:
            raise AssertionError("bias cannot be added to static key.")
        k = cat([k, bias_k.expand(1, bsz, embed_dim)])
        v = cat([v, bias_v.expand(1, bsz, embed_dim)])
        attn_mask = None if attn_mask is None else _pad_last(attn_mask)
        key_padding_mask = None if key_padding_mask is None else _pad_last(key_padding_mask)
    elif bias_k is not None or bias_v is not None:
        raise AssertionError("bias_k is set but bias_v is None" if bias_k is not None
                             else "bias_v is set but bias_k is None")
    # (length, batch, embed) -> (batch * heads, length, head_dim)
    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = (k.reshape(k.shape[0], bsz * num_heads, head_dim).transpose(0, 1) if static_k is None
         else _static(static_k, "static_k", bsz * num_heads, head_dim))
    v = (v.reshape(v.shape[0], bsz * num_heads, head_dim).transpose(0, 1) if static_v is None
         else _static(static_v, "static_v", bsz * num_heads, head_dim))
    if add_zero_attn:
        zeros = _make(np.zeros((bsz * num_heads, 1, head_dim), dtype=k._data.dtype), None)
        k, v = cat([k, zeros], 1), cat([v, zeros], 1)
        attn_mask = None if attn_mask is None else _pad_last(attn_mask)
        key_padding_mask = None if key_padding_mask is None else _pad_last(key_padding_mask)
    src_len = k.shape[1]
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (bsz, src_len):
            raise AssertionError(f"expecting key_padding_mask shape of {(bsz, src_len)}, but "
                                 f"got {tuple(key_padding_mask.shape)}")
        padding = key_padding_mask.reshape(bsz, 1, 1, src_len).expand(
            bsz, num_heads, 1, src_len).reshape(bsz * num_heads, 1, src_len)
        attn_mask = padding if attn_mask is None else attn_mask + padding
    if not training:
        dropout_p = 0.0
    if need_weights:
        scores = (q * math.sqrt(1.0 / head_dim)) @ k.transpose(-2, -1)
        if attn_mask is not None:
            scores = scores + attn_mask
        weights = softmax(scores, dim=-1)
        if dropout_p > 0.0:
            weights = dropout(weights, p=dropout_p)
        out = (weights @ v).transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
        weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(dim=1)
    else:
        if attn_mask is not None:
            attn_mask = (attn_mask.unsqueeze(0) if attn_mask.size(0) == 1 and attn_mask.dim() == 3
                         else attn_mask.reshape(bsz, num_heads, -1, src_len))
        out = scaled_dot_product_attention(
            q.reshape(bsz, num_heads, tgt_len, head_dim),
            k.reshape(bsz, num_heads, src_len, head_dim),
            v.reshape(bsz, num_heads, src_len, head_dim), attn_mask, dropout_p, is_causal)
        out = out.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
        weights = None
    out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, embed_dim)
    if not batched:
        out = out.squeeze(1)
        weights = None if weights is None else weights.squeeze(0)
    return out, weights


def _pad_last(mask: Tensor) -> Tensor:
    """One more (zero: attend) column at the end of a mask."""
    return cat([mask, _make(np.zeros(tuple(mask.shape[:-1]) + (1,), dtype=mask._data.dtype), None)],
               -1)
