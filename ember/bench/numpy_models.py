"""The NumPy floor for the model rows: each model written by hand, as fast as plain NumPy allows.

Forward, backward and the SGD update work in buffers allocated once, with `out=` and in-place
updates; only small temporaries (masks, row statistics) are allocated per step. The
parameters arrive in PyTorch's layout and order, so the losses match ember's and PyTorch's.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def cross_entropy(logits: np.ndarray, target: np.ndarray, rows: np.ndarray) -> np.floating:
    """Mean softmax cross-entropy, leaving `logits` as it was; rows is arange(batch)."""
    shifted = logits - np.maximum.reduce(logits, axis=1, keepdims=True)
    picked = shifted[rows, target]
    np.exp(shifted, out=shifted)
    per_sample = np.log(np.add.reduce(shifted, axis=1))
    per_sample -= picked
    return np.add.reduce(per_sample) / len(target)


def cross_entropy_grad_(logits: np.ndarray, target: np.ndarray, rows: np.ndarray) -> np.floating:
    """Mean softmax cross-entropy; turns `logits` into d(loss)/d(logits) in place."""
    logits -= np.maximum.reduce(logits, axis=1, keepdims=True)
    picked = logits[rows, target]
    np.exp(logits, out=logits)
    total = np.add.reduce(logits, axis=1, keepdims=True)
    per_sample = np.log(total[:, 0])
    per_sample -= picked
    logits /= total
    logits[rows, target] -= 1
    logits *= 1 / len(target)
    return np.add.reduce(per_sample) / len(target)


def _max_pool2_(windows: np.ndarray, out: np.ndarray) -> None:
    """out = the max of each 2×2 window of `windows`, shaped (n, h, 2, w, 2, c)."""
    # Three element-wise maxima of strided views beat maximum.reduce over axes (2, 4).
    np.maximum(windows[:, :, 0, :, 0], windows[:, :, 0, :, 1], out=out)
    np.maximum(out, windows[:, :, 1, :, 0], out=out)
    np.maximum(out, windows[:, :, 1, :, 1], out=out)


def _sgd_(params: list[np.ndarray], grads: list[np.ndarray], lr: float) -> None:
    for p, g in zip(params, grads):
        g *= lr  # the gradient buffers are rewritten by the next backward anyway
        p -= g


class NumpyMLP:
    """Linear-ReLU-...-Linear with softmax cross-entropy; params as [W1, b1, W2, b2, ...]."""

    def __init__(self, params: list[np.ndarray], x: np.ndarray, y: np.ndarray, lr: float):
        self.params, self.x, self.y, self.lr = params, x, y, lr
        self.rows = np.arange(len(y))
        self.weights, self.biases = params[0::2], params[1::2]
        batch, dtype = x.shape[0], x.dtype
        # outs[i] is layer i's output after its ReLU (the logits for the last layer).
        self.outs = [np.empty((batch, w.shape[0]), dtype) for w in self.weights]
        self.deltas = [np.empty_like(out) for out in self.outs[:-1]]
        self.grads = [np.empty_like(p) for p in params]

    def forward_backward(self) -> np.floating:
        h = self.x
        last = len(self.weights) - 1
        for i, (w, b, out) in enumerate(zip(self.weights, self.biases, self.outs)):
            np.matmul(h, w.T, out=out)
            out += b
            if i < last:
                np.maximum(out, 0, out=out)
            h = out
        loss = cross_entropy_grad_(h, self.y, self.rows)
        delta = h
        for i in range(last, -1, -1):
            inputs = self.outs[i - 1] if i else self.x
            np.matmul(delta.T, inputs, out=self.grads[2 * i])
            np.add.reduce(delta, axis=0, out=self.grads[2 * i + 1])
            if i:
                prev = self.deltas[i - 1]
                np.matmul(delta, self.weights[i], out=prev)
                prev *= inputs > 0  # ReLU's gradient
                delta = prev
        return loss

    def train_step(self) -> np.floating:
        loss = self.forward_backward()
        _sgd_(self.params, self.grads, self.lr)
        return loss


class NumpyCNN:
    """The MNIST CNN in NHWC with im2col: conv 1→32 3×3, ReLU, pool 2, conv 32→64 3×3, ReLU,
    pool 2, linear 1600→10. Params in PyTorch's order; x in PyTorch's NCHW (B, 1, 28, 28)."""

    def __init__(self, params: list[np.ndarray], x: np.ndarray, y: np.ndarray, lr: float):
        w1, b1, w2, b2, fw, fb = params
        batch, dtype = x.shape[0], x.dtype
        # im2col patches come out as (channel, kh, kw): PyTorch's kernel order, flattened.
        # The classifier's columns are permuted once from PyTorch's (c, h, w) order to NHWC's.
        fw_nhwc = fw.reshape(10, 64, 5, 5).transpose(0, 2, 3, 1).reshape(10, 1600)
        self.params = [w1.reshape(32, 9).copy(), b1.copy(), w2.reshape(64, 288).copy(),
                       b2.copy(), fw_nhwc.copy(), fb.copy()]
        self.grads = [np.empty_like(p) for p in self.params]
        self.x = np.ascontiguousarray(x.transpose(0, 2, 3, 1))
        self.y, self.lr, self.batch = y, lr, batch
        self.rows = np.arange(batch)
        self.cols1 = np.empty((batch, 26, 26, 1, 3, 3), dtype)  # im2col patches
        self.cols2 = np.empty((batch, 11, 11, 32, 3, 3), dtype)
        self.d_cols2 = np.empty((batch * 11 * 11, 288), dtype)
        self.h1 = np.empty((batch * 26 * 26, 32), dtype)
        self.p1 = np.empty((batch, 13, 13, 32), dtype)
        self.h2 = np.empty((batch * 11 * 11, 64), dtype)
        self.p2 = np.empty((batch, 5, 5, 64), dtype)
        self.logits = np.empty((batch, 10), dtype)
        self.d_flat = np.empty((batch, 1600), dtype)
        self.d_h2 = np.zeros((batch, 11, 11, 64), dtype)  # row/col 10 (cropped by the pool) stay 0
        self.d_p1 = np.empty((batch, 13, 13, 32), dtype)
        self.d_h1 = np.empty((batch * 26 * 26, 32), dtype)

    def forward_backward(self) -> np.floating:
        k1, b1, k2, b2, fw, fb = self.params
        g_k1, g_b1, g_k2, g_b2, g_fw, g_fb = self.grads
        n = self.batch
        # conv1 + ReLU + pool
        np.copyto(self.cols1, sliding_window_view(self.x, (3, 3), axis=(1, 2)))
        cols1 = self.cols1.reshape(n * 676, 9)
        np.matmul(cols1, k1.T, out=self.h1)
        self.h1 += b1
        np.maximum(self.h1, 0, out=self.h1)
        h1 = self.h1.reshape(n, 13, 2, 13, 2, 32)
        _max_pool2_(h1, self.p1)
        # conv2 + ReLU + pool (11 -> 5 drops the last row and column, as PyTorch's floor does)
        np.copyto(self.cols2, sliding_window_view(self.p1, (3, 3), axis=(1, 2)))
        cols2 = self.cols2.reshape(n * 121, 288)
        np.matmul(cols2, k2.T, out=self.h2)
        self.h2 += b2
        np.maximum(self.h2, 0, out=self.h2)
        h2 = self.h2.reshape(n, 11, 11, 64)[:, :10, :10].reshape(n, 5, 2, 5, 2, 64)
        _max_pool2_(h2, self.p2)
        flat = self.p2.reshape(n, 1600)
        np.matmul(flat, fw.T, out=self.logits)
        self.logits += fb
        loss = cross_entropy_grad_(self.logits, self.y, self.rows)
        d_logits = self.logits
        # classifier backward
        np.matmul(d_logits.T, flat, out=g_fw)
        np.add.reduce(d_logits, axis=0, out=g_fb)
        np.matmul(d_logits, fw, out=self.d_flat)
        # pool2 + ReLU backward: the gradient goes to the max of each window, if it was > 0
        pooled = self.p2[:, :, None, :, None, :]
        route = (h2 == pooled) & (pooled > 0)
        d_h2 = self.d_h2[:, :10, :10].reshape(n, 5, 2, 5, 2, 64)
        np.multiply(route, self.d_flat.reshape(n, 5, 1, 5, 1, 64), out=d_h2)
        d_h2m = self.d_h2.reshape(n * 121, 64)
        np.matmul(d_h2m.T, cols2, out=g_k2)
        np.add.reduce(d_h2m, axis=0, out=g_b2)
        # col2im: scatter-add each kernel tap's patch gradient back onto conv2's input
        np.matmul(d_h2m, k2, out=self.d_cols2)
        d_cols2 = self.d_cols2.reshape(n, 11, 11, 32, 3, 3)
        self.d_p1.fill(0)
        for i in range(3):
            for j in range(3):
                self.d_p1[:, i:i + 11, j:j + 11] += d_cols2[..., i, j]
        pooled = self.p1[:, :, None, :, None, :]
        route = (h1 == pooled) & (pooled > 0)
        np.multiply(route, self.d_p1[:, :, None, :, None, :],
                    out=self.d_h1.reshape(n, 13, 2, 13, 2, 32))
        np.matmul(self.d_h1.T, cols1, out=g_k1)
        np.add.reduce(self.d_h1, axis=0, out=g_b1)
        return loss

    def train_step(self) -> np.floating:
        loss = self.forward_backward()
        _sgd_(self.params, self.grads, self.lr)
        return loss


def _col2im_3x3_(d_cols: np.ndarray, out: np.ndarray) -> None:
    """out = the gradient of a 3×3 valid convolution's input (n, h, w, c) from the gradient of
    its im2col patches (n, h - 2, w - 2, c, 3, 3): nine strided adds."""
    rows, cols = d_cols.shape[1:3]
    out.fill(0)
    for i in range(3):
        for j in range(3):
            out[:, i:i + rows, j:j + cols] += d_cols[..., i, j]


class NumpyExamplesCNN:
    """pytorch/examples' MNIST net in NHWC with im2col: conv 1→32 3×3, ReLU, conv 32→64 3×3,
    ReLU, max-pool 2, dropout, linear 9216→128, ReLU, dropout, linear 128→10, log-softmax + NLL
    (the same as cross-entropy on the logits); SGD with momentum. Params in PyTorch's order;
    x in PyTorch's NCHW (B, 1, 28, 28)."""

    NAMED_SHAPES = (("conv1.weight", (32, 1, 3, 3)), ("conv1.bias", (32,)),
                    ("conv2.weight", (64, 32, 3, 3)), ("conv2.bias", (64,)),
                    ("fc1.weight", (128, 9216)), ("fc1.bias", (128,)),
                    ("fc2.weight", (10, 128)), ("fc2.bias", (10,)))

    def __init__(self, params: list[np.ndarray], x: np.ndarray, y: np.ndarray, lr: float,
                 momentum: float, dropout: tuple[float, float]):
        w1, b1, w2, b2, fw1, fb1, fw2, fb2 = params
        n, dtype = x.shape[0], x.dtype
        # fc1's columns permuted once from PyTorch's (c, h, w) flattening to NHWC's (h, w, c)
        fw1_nhwc = fw1.reshape(128, 64, 12, 12).transpose(0, 2, 3, 1).reshape(128, 9216)
        self.params = [w1.reshape(32, 9).copy(), b1.copy(), w2.reshape(64, 288).copy(),
                       b2.copy(), fw1_nhwc.copy(), fb1.copy(), fw2.copy(), fb2.copy()]
        self.grads = [np.empty_like(p) for p in self.params]
        self.velocity: list[np.ndarray] | None = None  # the momentum buffers, from the 1st step
        self.x = np.ascontiguousarray(x.transpose(0, 2, 3, 1))
        self.y, self.lr, self.momentum, self.batch = y, lr, momentum, n
        self.dropout = dropout
        self.rng = np.random.default_rng(2)
        self.rows = np.arange(n)
        self.cols1 = np.empty((n, 26, 26, 1, 3, 3), dtype)
        self.h1 = np.empty((n * 676, 32), dtype)
        self.cols2 = np.empty((n, 24, 24, 32, 3, 3), dtype)
        self.h2 = np.empty((n * 576, 64), dtype)
        self.pooled = np.empty((n, 12, 12, 64), dtype)
        self.a1 = np.empty((n, 128), dtype)
        self.logits = np.empty((n, 10), dtype)
        self.d_a1 = np.empty((n, 128), dtype)
        self.d_flat = np.empty((n, 9216), dtype)
        self.d_h2 = np.empty((n * 576, 64), dtype)
        self.d_cols2 = np.empty((n * 576, 288), dtype)
        self.d_h1 = np.empty((n, 26, 26, 32), dtype)

    def _dropout_(self, a: np.ndarray, p: float) -> np.ndarray | None:
        """Zero each element of `a` with probability p and scale the rest by 1/(1-p), in
        place; returns the scaled mask for backward (None when p is 0)."""
        if not p:
            return None
        mask = self.rng.random(a.shape, dtype=a.dtype) >= p
        scaled = mask * a.dtype.type(1 / (1 - p))
        a *= scaled
        return scaled

    def forward_backward(self) -> np.floating:
        k1, b1, k2, b2, fw1, fb1, fw2, fb2 = self.params
        g_k1, g_b1, g_k2, g_b2, g_fw1, g_fb1, g_fw2, g_fb2 = self.grads
        n = self.batch
        np.copyto(self.cols1, sliding_window_view(self.x, (3, 3), axis=(1, 2)))
        cols1 = self.cols1.reshape(n * 676, 9)
        np.matmul(cols1, k1.T, out=self.h1)
        self.h1 += b1
        np.maximum(self.h1, 0, out=self.h1)
        h1 = self.h1.reshape(n, 26, 26, 32)
        np.copyto(self.cols2, sliding_window_view(h1, (3, 3), axis=(1, 2)))
        cols2 = self.cols2.reshape(n * 576, 288)
        np.matmul(cols2, k2.T, out=self.h2)
        self.h2 += b2
        np.maximum(self.h2, 0, out=self.h2)
        h2 = self.h2.reshape(n, 12, 2, 12, 2, 64)
        _max_pool2_(h2, self.pooled)
        # dropout 1 acts on a copy: `pooled` stays the max of each window, for routing
        flat = self.pooled.reshape(n, 9216).copy()
        keep1 = self._dropout_(flat, self.dropout[0])
        np.matmul(flat, fw1.T, out=self.a1)
        self.a1 += fb1
        np.maximum(self.a1, 0, out=self.a1)
        a1 = self.a1.copy()
        keep2 = self._dropout_(a1, self.dropout[1])
        np.matmul(a1, fw2.T, out=self.logits)
        self.logits += fb2
        loss = cross_entropy_grad_(self.logits, self.y, self.rows)
        d_logits = self.logits
        np.matmul(d_logits.T, a1, out=g_fw2)
        np.add.reduce(d_logits, axis=0, out=g_fb2)
        np.matmul(d_logits, fw2, out=self.d_a1)
        if keep2 is not None:
            self.d_a1 *= keep2
        self.d_a1 *= self.a1 > 0  # ReLU's gradient
        np.matmul(self.d_a1.T, flat, out=g_fw1)
        np.add.reduce(self.d_a1, axis=0, out=g_fb1)
        np.matmul(self.d_a1, fw1, out=self.d_flat)
        if keep1 is not None:
            self.d_flat *= keep1
        # pool + ReLU backward: the gradient goes to the max of each window, if it was > 0
        pooled = self.pooled[:, :, None, :, None, :]
        route = (h2 == pooled) & (pooled > 0)
        np.multiply(route, self.d_flat.reshape(n, 12, 1, 12, 1, 64),
                    out=self.d_h2.reshape(n, 12, 2, 12, 2, 64))
        np.matmul(self.d_h2.T, cols2, out=g_k2)
        np.add.reduce(self.d_h2, axis=0, out=g_b2)
        np.matmul(self.d_h2, k2, out=self.d_cols2)
        _col2im_3x3_(self.d_cols2.reshape(n, 24, 24, 32, 3, 3), self.d_h1)
        d_h1 = self.d_h1.reshape(n * 676, 32)
        d_h1 *= self.h1 > 0
        np.matmul(d_h1.T, cols1, out=g_k1)
        np.add.reduce(d_h1, axis=0, out=g_b1)
        return loss

    def train_step(self) -> np.floating:
        loss = self.forward_backward()
        if self.velocity is None:  # PyTorch's first step: the buffer is the gradient
            self.velocity = [g.copy() for g in self.grads]
        else:
            for v, g in zip(self.velocity, self.grads):
                v *= self.momentum
                v += g
        for p, v, g in zip(self.params, self.velocity, self.grads):
            np.multiply(v, self.lr, out=g)
            p -= g
        return loss
