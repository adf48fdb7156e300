"""The recurrent functions of torch.*: lstm, gru, rnn_tanh, rnn_relu (what nn.LSTM, nn.GRU and
nn.RNN call, with their flat weight lists) and lstm_cell, gru_cell, rnn_tanh_cell,
rnn_relu_cell (what the cells call).

Each layer and direction is one primitive of ember.ops.rnn over a packed batch, after one GEMM
for the input projection of every step; a plain (T, B, ·) input is the packing whose batch sizes
are all B. Dropout (training only) goes between layers, as in PyTorch.
"""

from __future__ import annotations

import numpy as np

from . import ops
from .ops.rnn import GRULayer, LSTMLayer, RNNReluLayer, RNNTanhLayer, split_outputs
from .shapes import cat, stack
from .tensor import Tensor

__all__ = ["lstm", "gru", "rnn_tanh", "rnn_relu", "lstm_cell", "gru_cell", "rnn_tanh_cell",
           "rnn_relu_cell"]


def _linear(x: Tensor, weight: Tensor, bias: Tensor | None, op: str) -> Tensor:
    if x._data.dtype != weight._data.dtype:
        raise RuntimeError(f"{op}: mat1 and mat2 must have the same dtype, but got {x.dtype} "
                           f"and {weight.dtype}")
    return ops.Linear.apply(x, weight) if bias is None else ops.Linear.apply(x, weight, bias)


def _layer(layer: type, x: Tensor, h0: Tensor, c0: Tensor | None, weights: list,
           has_biases: bool, batch_sizes: tuple, reverse: bool) -> list[Tensor]:
    """One layer in one direction: [output (N, H_out), h_n] (+ [c_n] for the LSTM)."""
    w_ih, w_hh = weights[0], weights[1]
    b_ih, b_hh = (weights[2], weights[3]) if has_biases else (None, None)
    w_hr = weights[-1] if len(weights) == 3 + 2 * has_biases else None
    gx = _linear(x, w_ih, b_ih, layer.op_name)
    inputs = [gx, h0] + ([c0] if c0 is not None else []) + [w_hh]
    inputs += ([b_hh] if b_hh is not None else []) + ([w_hr] if w_hr is not None else [])
    flat = layer.apply(*inputs, batch_sizes=batch_sizes, reverse=reverse,
                       has_bias=b_hh is not None, has_proj=w_hr is not None)
    shapes = [(x.shape[0], h0.shape[1]), tuple(h0.shape)]
    if c0 is not None:
        shapes.append(tuple(c0.shape))
    return split_outputs(flat, shapes)


def _stacked(layer: type, data: Tensor, batch_sizes: tuple, states: list, params, has_biases,
             num_layers: int, dropout: float, train: bool, bidirectional: bool):
    """Every layer over the packed `data` (N, input_size): (output, [h_n, (c_n)])."""
    directions = 2 if bidirectional else 1
    params = list(params)
    per_layer = len(params) // (num_layers * directions)
    if per_layer * num_layers * directions != len(params) or per_layer < 2:
        raise RuntimeError(f"{layer.op_name}: got {len(params)} parameters for {num_layers} "
                           f"layer(s) and {directions} direction(s)")
    finals: list[list[Tensor]] = [[] for _ in states]
    x = data
    for k in range(num_layers):
        outs = []
        for d in range(directions):
            index = k * directions + d
            weights = params[index * per_layer:(index + 1) * per_layer]
            h0 = states[0][index]
            c0 = states[1][index] if len(states) > 1 else None
            out, *ends = _layer(layer, x, h0, c0, weights, has_biases, batch_sizes, d == 1)
            outs.append(out)
            for kept, end in zip(finals, ends):
                kept.append(end)
        x = cat(outs, 1) if bidirectional else outs[0]
        if dropout and train and k < num_layers - 1:
            from .nn.functional import dropout as _dropout
            x = _dropout(x, dropout, True)
    return x, [stack(kept) for kept in finals]


def _run(layer: type, args: tuple, with_cell: bool):
    """Both of PyTorch's signatures: (input, hx, params, has_biases, num_layers, dropout,
    train, bidirectional, batch_first) and (data, batch_sizes, hx, params, has_biases,
    num_layers, dropout, train, bidirectional)."""
    packed = isinstance(args[1] if with_cell else args[2], Tensor)
    if packed:
        data, batch_sizes, hx, params, has_biases, num_layers, dropout, train, bidir = args
        sizes = tuple(int(b) for b in np.asarray(batch_sizes._data if isinstance(
            batch_sizes, Tensor) else batch_sizes).reshape(-1))
        states = list(hx) if with_cell else [hx]
        out, finals = _stacked(layer, data, sizes, states, params, has_biases, num_layers,
                               dropout, train, bidir)
        return (out, *finals)
    input, hx, params, has_biases, num_layers, dropout, train, bidir, batch_first = args
    if input.ndim != 3:
        raise RuntimeError(f"{layer.op_name}: expected a 3-D input (T, B, features), got shape "
                           f"{tuple(input.shape)}")
    seq = input.transpose(0, 1) if batch_first else input
    steps, batch = seq.shape[0], seq.shape[1]
    states = list(hx) if with_cell else [hx]
    out, finals = _stacked(layer, seq.reshape(steps * batch, seq.shape[2]), (batch,) * steps,
                           states, params, has_biases, num_layers, dropout, train, bidir)
    out = out.reshape(steps, batch, out.shape[1])
    return (out.transpose(0, 1) if batch_first else out, *finals)


def lstm(*args):
    """torch.lstm: returns (output, h_n, c_n). Shapes as nn.LSTM's (which calls this)."""
    return _run(LSTMLayer, args, True)


def gru(*args):
    """torch.gru: returns (output, h_n). Shapes as nn.GRU's (which calls this)."""
    return _run(GRULayer, args, False)


def rnn_tanh(*args):
    """torch.rnn_tanh: returns (output, h_n). Shapes as nn.RNN's (which calls this)."""
    return _run(RNNTanhLayer, args, False)


def rnn_relu(*args):
    """torch.rnn_relu: returns (output, h_n). Shapes as nn.RNN's (which calls this)."""
    return _run(RNNReluLayer, args, False)


def _cell(layer: type, input: Tensor, states: list, w_ih, w_hh, b_ih, b_hh) -> list[Tensor]:
    """One step of a (B, input_size) batch: [h'] or [h', c']."""
    op = layer.op_name + "_cell"
    if input.ndim != 2 or input.shape[1] != w_ih.shape[1]:
        raise RuntimeError(f"input has inconsistent input_size: got {input.shape[-1]} "
                           f"expected {w_ih.shape[1]}")
    for k, state in enumerate(states):
        if state.ndim != 2 or state.shape[1] != w_hh.shape[1]:
            raise RuntimeError(f"hidden{k} has inconsistent hidden_size: got "
                               f"{state.shape[-1]}, expected {w_hh.shape[1]}")
        if state.shape[0] != input.shape[0]:
            raise RuntimeError(f"Input batch size {input.shape[0]} doesn't match hidden{k} "
                               f"batch size {state.shape[0]}")
    weights = [w_ih, w_hh] + ([b_ih, b_hh] if b_ih is not None else [])
    h0 = states[0]
    c0 = states[1] if len(states) > 1 else None
    try:
        out, _, *cell = _layer(layer, input, h0, c0, weights, b_ih is not None,
                               (input.shape[0],), False)
    except RuntimeError as e:
        raise RuntimeError(str(e).replace(layer.op_name + ":", op + ":", 1)) from None
    return [out, *cell]


def lstm_cell(input: Tensor, hx, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
              b_hh: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """torch.lstm_cell: one LSTM step, (h', c') from input (B, I) and hx = (h, c) (B, H)."""
    h, c = _cell(LSTMLayer, input, list(hx), w_ih, w_hh, b_ih, b_hh)
    return h, c


def gru_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
             b_hh: Tensor | None = None) -> Tensor:
    """torch.gru_cell: one GRU step, h' (B, H) from input (B, I) and hx (B, H)."""
    return _cell(GRULayer, input, [hx], w_ih, w_hh, b_ih, b_hh)[0]


def rnn_tanh_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor,
                  b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """torch.rnn_tanh_cell: h' = tanh(input @ w_ih.T + b_ih + hx @ w_hh.T + b_hh)."""
    return _cell(RNNTanhLayer, input, [hx], w_ih, w_hh, b_ih, b_hh)[0]


def rnn_relu_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor,
                  b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """torch.rnn_relu_cell: h' = relu(input @ w_ih.T + b_ih + hx @ w_hh.T + b_hh)."""
    return _cell(RNNReluLayer, input, [hx], w_ih, w_hh, b_ih, b_hh)[0]
