"""The sequence layers' primitives: a recurrent layer as ONNX's RNN, GRU or LSTM operator, and
scaled dot-product attention as matrix products around a masked softmax."""

from __future__ import annotations

import numpy as np

from ...ops.attention import ScaledDotProductAttention
from ...ops.rnn import GRULayer, LSTMLayer, RNNReluLayer, RNNTanhLayer
from ..registry import maps
from .recurrent_unrolled import unrolled

# ONNX's operator, and PyTorch's gate blocks (rows of W_hh) in the order ONNX stacks its gates:
# LSTM i f g o -> i o f c, GRU r z n -> z r h.
_RECURRENT = {LSTMLayer: ("LSTM", [0, 3, 1, 2]), GRULayer: ("GRU", [1, 0, 2]),
              RNNTanhLayer: ("RNN", [0]), RNNReluLayer: ("RNN", [0])}


@maps(*_RECURRENT, dynamic=("batch_sizes",))
def recurrent(g, node):
    """One layer in one direction. ember's primitive takes the input projection gx = x W_ih^T +
    b_ih already made (a Linear before it), so ONNX's W is a permutation matrix that only puts
    gx's gates in ONNX's order; R is W_hh's rows in that order, and b_hh the recurrent bias.
    The result is the primitive's flat array: the outputs of every step, then the final states
    (ember slices them out again, see concat_pieces). An LSTM with a projection, or packed
    sequences of different lengths, which ONNX's operators cannot express, are unrolled."""
    sizes = node.option("batch_sizes")
    if node.option("has_proj") or len(set(sizes)) > 1:
        return unrolled(g, node)
    op_type, blocks = _RECURRENT[node.kind]
    dtype = node.output.dtype
    has_cell = node.kind.has_cell
    recurrent_weight = 3 if has_cell else 2
    hidden = node.shape(1)[1]
    gates = node.shape(0)[1]
    order = g.ints(np.concatenate([np.arange(b * hidden, (b + 1) * hidden) for b in blocks]))
    (rows1, _), (rows2, _) = node.in_shapes[0]
    (batch1, _), (batch2, _) = node.in_shapes[1]
    steps = (rows1 // batch1, rows2 // batch2)
    x = g.op("Reshape", g.input(node, 0), g.shape_of(
        (steps[0], batch1, gates), (steps[1], batch2, gates), prefer=node.inputs[1:2]))
    w = g.const(np.eye(gates, dtype=dtype)[np.concatenate(
        [np.arange(b * hidden, (b + 1) * hidden) for b in blocks])][None])
    r = g.op("Unsqueeze", g.op("Gather", g.input(node, recurrent_weight), order, axis=0),
             g.ints([0]))
    bias = None
    if node.option("has_bias"):
        recurrent_bias = g.op("Gather", g.input(node, recurrent_weight + 1), order, axis=0)
        bias = g.op("Unsqueeze", g.op("Concat", g.const(np.zeros(gates, dtype)), recurrent_bias,
                                      axis=0), g.ints([0]))
    states = [g.op("Unsqueeze", g.input(node, i), g.ints([0]))  # h0 (and c0)
              for i in range(1, recurrent_weight)]
    attrs = {"hidden_size": hidden, "direction": "reverse" if node.option("reverse") else
             "forward"}
    if node.kind is GRULayer:
        attrs["linear_before_reset"] = 1  # PyTorch's n = tanh(gx_n + r * (W_hn h + b_hn))
    elif op_type == "RNN":
        attrs["activations"] = ["Tanh" if node.kind is RNNTanhLayer else "Relu"]
    outputs = g.ops(op_type, 1 + len(states), x, w, r, bias, None, *states, **attrs)
    flat = g.ints([-1])
    outputs_sizes = (rows1 * hidden, rows2 * hidden)
    state_sizes = (batch1 * hidden, batch2 * hidden)
    pieces = [(g.op("Reshape", outputs[0], flat), outputs_sizes)]
    pieces += [(g.op("Reshape", state, flat), state_sizes) for state in outputs[1:]]
    return g.concat_pieces(pieces)


@maps(ScaledDotProductAttention)
def attention(g, node):
    """softmax(q k^T * scale + mask) v, the softmax shifted by each row's maximum so that a
    row masked everywhere gives zeros (as ember's and PyTorch's), not ONNX Softmax's NaN."""
    dtype = node.output.dtype
    groups_k, groups_v = node.option("groups")
    q = g.op("Mul", g.input(node, 0), g.scalar(node.option("scale"), dtype))
    k = _repeat_heads(g, g.input(node, 1), node.shape(1), groups_k)
    v = _repeat_heads(g, g.input(node, 2), node.shape(2), groups_v)
    rank = len(node.shape(1))
    perm = list(range(rank - 2)) + [rank - 1, rank - 2]
    scores = g.op("MatMul", q, g.op("Transpose", k, perm=perm))
    if len(node.inputs) > 3:
        scores = g.op("Add", scores, g.input(node, 3))
    if node.option("causal"):
        size = g.op("Concat", g.op("Shape", q, start=-2, end=-1),
                    g.op("Shape", k, start=-2, end=-1), axis=0)
        ones = g.op("Expand", g.scalar(1, dtype), size)
        above = g.cast(g.op("Trilu", ones, g.const(np.asarray(1, np.int64)), upper=1), np.bool_)
        scores = g.op("Where", above, g.scalar(-np.inf, dtype), scores)
    shift = g.reduce("ReduceMax", scores, -1, True)
    empty = g.op("Or", g.op("IsInf", shift), g.op("IsNaN", shift))
    shift = g.op("Where", empty, g.scalar(0, dtype), shift)
    exps = g.op("Exp", g.op("Sub", scores, shift))
    total = g.op("Add", g.reduce("ReduceSum", exps, -1, True), g.cast(empty, dtype))
    p = g.op("Div", exps, total)
    keep = node.option("keep")
    if keep is not None:
        p = g.op("Mul", p, g.ref(keep))
    return g.op("MatMul", p, v)


def _repeat_heads(g, x: str, shape: tuple, groups: int) -> str:
    """Grouped-query attention's k or v with each head repeated for its `groups` query heads."""
    if groups == 1:
        return x
    heads = shape[-3]
    return g.op("Gather", x, g.ints(np.arange(heads * groups) // groups), axis=len(shape) - 3)
