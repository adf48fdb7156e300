"""Recurrent layers as primitives: one Function runs one layer of an Elman RNN, an LSTM or a GRU
in one direction over a whole batch of sequences.

The batch is packed, as in a PackedSequence: time step t owns `batch_sizes[t]` consecutive rows,
its sequences being the first `batch_sizes[t]` of the batch (sizes never grow with t). A plain
(T, B, ·) batch is the packing with every size B. The hidden state is a (B, H) array whose first
`batch_sizes[t]` rows step forward at t while the others keep their value, so each sequence
ends with its own last state in the final array, in either direction.

The input projection of every step, gx = x @ W_ih.T + b_ih, comes in precomputed (one large GEMM,
ember.ops.Linear); each Function runs only the time loop: h @ W_hh.T per step, the gates, and in
backward the loop in reverse, with W_hh's gradient (and W_hr's) as one GEMM over all steps.

The output is one flat array: the layer's outputs (N, H_out), then the final hidden state
(B, H_out), then for the LSTM the final cell state (B, H); the caller takes views of its parts
(`split_outputs`), since a Function returns one array.

Why one Function per layer: a 2-layer LSTM of 256 over 35 steps of batch 20, forward and
backward in float32 on one thread, took 234 ms this way against 791 ms for the same recurrence
composed of ember's smaller primitives (about 15 nodes per step), and 189 ms in PyTorch (its
oneDNN kernel); minimum of 9 interleaved rounds on the project's busy 2-core machine
(benchmarks/sequence.py).

Backward is written once: on arrays it reuses the gate values forward kept; when the engine
records a backward pass (Tensors in), the same loop first reruns the forward recurrence on the
saved inputs with ember's ops, so the gradient is itself differentiable.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from .elementwise import Sigmoid

__all__ = ["RNNTanhLayer", "RNNReluLayer", "LSTMLayer", "GRULayer", "split_outputs"]

def _sigmoid(x):
    """1 / (1 + exp(-x)): on arrays in place on one temporary (exp may overflow to inf, which
    gives the right 0); on Tensors (a recorded backward pass) ember's Sigmoid op."""
    if not isinstance(x, np.ndarray):
        return Sigmoid.call(x)
    out = np.negative(x)
    np.exp(out, out=out)
    out += 1
    return np.reciprocal(out, out=out)


def _schedule(batch_sizes: tuple, reverse: bool) -> list[tuple[int, int, int]]:
    """(t, first row, rows) of each time step, in the order the recurrence visits them."""
    starts = np.concatenate([[0], np.cumsum(batch_sizes)[:-1]]).tolist()
    steps = [(t, start, bs) for t, (start, bs) in enumerate(zip(starts, batch_sizes))]
    return steps[::-1] if reverse else steps


def _carry(new, old, rows: int):
    """The state after a step: `new` for the first rows, `old` (all rows) for the rest."""
    if rows == old.shape[0]:
        return new
    return np.concatenate([new, old[rows:]], axis=0)


def _rows(a, rows: int):
    return a if rows == a.shape[0] else a[:rows]


def split_outputs(flat, shapes):
    """Views of the parts of a recurrent Function's flat output (or gradient), by shape."""
    parts, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        parts.append(flat[start:start + size].reshape(shape))
        start += size
    return parts


class _Recurrence(Function):
    """One layer, one direction. Inputs: gx (N, G·H), h0 (B, H_out), [c0 (B, H)], w_hh
    (G·H, H_out), [b_hh (G·H,)], [w_hr (H_out, H)]; `has_bias` and `has_proj` say which of the
    optional ones are there.

    Subclasses define step(gx, gh, h, c, w_hr_t) -> (h', c' or None, record), gh being
    h @ W_hh.T + b_hh, and step_backward(record, dh', dc') -> (d gx, d gh, the part of dh that
    does not flow through gh or None, dc or None)."""

    has_cell = False

    def forward(ctx, gx, h0, *rest, batch_sizes=(), reverse=False, has_bias=False,
                has_proj=False):
        ctx.batch_sizes, ctx.reverse = tuple(batch_sizes), reverse
        ctx.has_bias, ctx.has_proj = has_bias, has_proj
        inputs = (gx, h0, *rest)
        outs, finals, ctx.records = ctx.run(*ctx.unpack(inputs))
        ctx.save_for_backward(*inputs)
        return np.concatenate([part.reshape(-1) for part in outs + finals])

    def unpack(ctx, inputs) -> tuple:
        """(gx, h0, c0, w_hh, b_hh, w_hr), None for what this layer does not have."""
        inputs = list(inputs)
        gx, h0 = inputs.pop(0), inputs.pop(0)
        c0 = inputs.pop(0) if ctx.has_cell else None
        w_hh = inputs.pop(0)
        b_hh = inputs.pop(0) if ctx.has_bias else None
        w_hr = inputs.pop(0) if ctx.has_proj else None
        return gx, h0, c0, w_hh, b_hh, w_hr

    def run(ctx, gx, h0, c0, w_hh, b_hh, w_hr):
        """The recurrence: each step's outputs (rows, H_out) in time order, the final states,
        and what each step's backward needs (by time step)."""
        w_hh_t = w_hh.T
        w_hr_t = None if w_hr is None else w_hr.T
        h, c = h0, c0
        outs, records = [None] * len(ctx.batch_sizes), [None] * len(ctx.batch_sizes)
        for t, start, rows in _schedule(ctx.batch_sizes, ctx.reverse):
            h_prev = _rows(h, rows)
            gh = h_prev @ w_hh_t
            if b_hh is not None:
                gh = gh + b_hh
            h_new, c_new, records[t] = ctx.step(gx[start:start + rows], gh, h_prev,
                                                None if c is None else _rows(c, rows), w_hr_t)
            outs[t] = h_new
            h = _carry(h_new, h, rows)
            if c is not None:
                c = _carry(c_new, c, rows)
        return outs, [h] if c is None else [h, c], records

    def backward(ctx, grad):
        gx, h0, c0, w_hh, b_hh, w_hr = ctx.unpack(ctx.saved_tensors)
        if isinstance(grad, np.ndarray):
            records = ctx.records
        else:  # a recorded backward pass: the gate values again, as Tensors in the graph
            records = ctx.run(gx, h0, c0, w_hh, b_hh, w_hr)[2]
        shapes = [(gx.shape[0], h0.shape[1]), h0.shape] + ([c0.shape] if c0 is not None else [])
        d_out, dh, *dc = split_outputs(grad, shapes)
        dc = dc[0] if dc else None
        d_gx, d_gh = [None] * len(records), [None] * len(records)
        d_proj = [None] * len(records)
        for t, start, rows in reversed(_schedule(ctx.batch_sizes, ctx.reverse)):
            dh_t = d_out[start:start + rows] + _rows(dh, rows)
            if w_hr is not None:  # h = hu @ W_hr.T: back to the unprojected hu
                d_proj[t] = dh_t
                dh_t = dh_t @ w_hr
            dc_t = None if dc is None else _rows(dc, rows)
            d_gx[t], d_gh[t], dh_prev, dc_prev = ctx.step_backward(records[t], dh_t, dc_t)
            dh_prev = d_gh[t] @ w_hh if dh_prev is None else dh_prev + d_gh[t] @ w_hh
            dh = _carry(dh_prev, dh, rows)
            if dc is not None:
                dc = _carry(dc_prev, dc, rows)
        needs = ctx.needs_input_grad
        d_gx_all = np.concatenate(d_gx, axis=0)
        grads = [d_gx_all, dh] + ([dc] if c0 is not None else [])
        k = len(grads)
        # the LSTM's and the RNN's gate gradients are the same for gx and for h @ W_hh.T
        d_gh_all = d_gx_all if d_gh[0] is d_gx[0] else np.concatenate(d_gh, axis=0)
        h_prev_all = np.concatenate([r[-1] for r in records], axis=0) if needs[k] else None
        grads.append(d_gh_all.T @ h_prev_all if needs[k] else None)
        if b_hh is not None:
            grads.append(np.sum(d_gh_all, axis=0) if needs[k + 1] else None)
        if w_hr is not None:
            if needs[-1]:
                hu_all = np.concatenate([r[-2] for r in records], axis=0)
                grads.append(np.concatenate(d_proj, axis=0).T @ hu_all)
            else:
                grads.append(None)
        return tuple(grads)


class RNNTanhLayer(_Recurrence):
    """h' = tanh(gx + h @ W_hh.T + b_hh). Records: (h', h)."""

    op_name = "rnn_tanh"

    def step(ctx, gx, gh, h_prev, c_prev, w_hr_t):
        h_new = np.tanh(gx + gh)
        return h_new, None, (h_new, h_prev)

    def step_backward(ctx, record, dh, dc):
        h_new, _ = record
        d_pre = dh * (1 - h_new * h_new)
        return d_pre, d_pre, None, None


class RNNReluLayer(_Recurrence):
    """h' = relu(gx + h @ W_hh.T + b_hh). Records: (h', h)."""

    op_name = "rnn_relu"

    def step(ctx, gx, gh, h_prev, c_prev, w_hr_t):
        h_new = np.maximum(gx + gh, 0)
        return h_new, None, (h_new, h_prev)

    def step_backward(ctx, record, dh, dc):
        h_new, _ = record
        d_pre = np.where(h_new > 0, dh, 0)
        return d_pre, d_pre, None, None


class LSTMLayer(_Recurrence):
    """Gates i, f, g, o (PyTorch's order) from gx + h @ W_hh.T + b_hh; c' = f c + i g,
    h' = o tanh(c'), projected by W_hr when given. Records: (i, f, g, o, tanh c', c, hu, h)."""

    op_name = "lstm"
    has_cell = True

    def step(ctx, gx, gh, h_prev, c_prev, w_hr_t):
        gates = gx + gh
        size = gates.shape[1] // 4
        # one sigmoid over all four gates (g's quarter unused) beats three calls on slices
        sig = _sigmoid(gates)
        i, f, o = sig[:, :size], sig[:, size:2 * size], sig[:, 3 * size:]
        g = np.tanh(gates[:, 2 * size:3 * size])
        c_new = f * c_prev + i * g
        tanh_c = np.tanh(c_new)
        hu = o * tanh_c
        h_new = hu if w_hr_t is None else hu @ w_hr_t
        return h_new, c_new, (i, f, g, o, tanh_c, c_prev, hu, h_prev)

    def step_backward(ctx, record, dh, dc):
        i, f, g, o, tanh_c, c_prev, _, _ = record
        dc = dc + dh * o * (1 - tanh_c * tanh_c)
        d_gates = np.concatenate([dc * g * i * (1 - i), dc * c_prev * f * (1 - f),
                                  dc * i * (1 - g * g), dh * tanh_c * o * (1 - o)], axis=1)
        return d_gates, d_gates, None, dc * f


class GRULayer(_Recurrence):
    """Gates r, z, n (PyTorch's order): r, z = sigmoid(gx + gh) on their thirds,
    n = tanh(gx_n + r * gh_n), h' = (1 - z) n + z h, where gh = h @ W_hh.T + b_hh.
    Records: (r, z, n, gh_n, h)."""

    op_name = "gru"

    def step(ctx, gx, gh, h_prev, c_prev, w_hr_t):
        size = gh.shape[1] // 3
        rz = _sigmoid(gx[:, :2 * size] + gh[:, :2 * size])
        r, z = rz[:, :size], rz[:, size:]
        gh_n = gh[:, 2 * size:]
        n = np.tanh(gx[:, 2 * size:] + r * gh_n)
        h_new = n + z * (h_prev - n)
        return h_new, None, (r, z, n, gh_n, h_prev)

    def step_backward(ctx, record, dh, dc):
        r, z, n, gh_n, h_prev = record
        d_n = dh * (1 - z) * (1 - n * n)
        d_r = d_n * gh_n * r * (1 - r)
        d_z = dh * (h_prev - n) * z * (1 - z)
        d_gx = np.concatenate([d_r, d_z, d_n], axis=1)
        d_gh = np.concatenate([d_r, d_z, d_n * r], axis=1)
        return d_gx, d_gh, dh * z, None
