"""Scale: a 100,000-op graph backpropagates without recursion, and a training loop of 2,000 steps
runs in constant memory (measured with tracemalloc, which sees NumPy's buffers too)."""

from __future__ import annotations

import gc
import tracemalloc

import numpy as np

import ember


def test_100k_op_chain_backward():
    x = ember.tensor([1.0, 2.0], dtype=ember.float64, requires_grad=True)
    y = x
    for i in range(100_000):
        y = y * 1.0001 if i % 2 else y + 0.5
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0001**50_000] * 2, rtol=1e-9)
    del y  # dropping the chain must not recurse either
    gc.collect()


def test_20k_inputs_summed_one_by_one():
    xs = [ember.tensor(float(i), requires_grad=True) for i in range(20_000)]
    total = xs[0]
    for x in xs[1:]:
        total = total + x * 2
    (g_first, g_last) = ember.autograd.grad(total, [xs[0], xs[-1]])
    assert g_first.item() == 1.0 and g_last.item() == 2.0


def train_step(params, x, target) -> float:
    w1, b1, w2 = params
    logits = (x @ w1 + b1).relu() @ w2
    loss = -logits.log_softmax(1)[ember.arange(len(target)), target].mean()
    loss.backward()
    with ember.no_grad():
        for p in params:
            p.sub_(0.1 * p.grad)
            p.grad = None
    return loss.item()


def fill_tuple_free_lists() -> None:
    """CPython keeps up to 2,000 freed tuples of each small size for reuse, and tracemalloc counts
    them as live: a free list filling up would look like a leak. Fill them before measuring."""
    for size in range(1, 8):
        junk = [tuple(range(i, i + size)) for i in range(3000)]
        del junk


def test_training_loop_memory_is_constant():
    rng = np.random.default_rng(0)
    x = ember.tensor(rng.standard_normal((32, 8)), dtype=ember.float32)
    target = ember.tensor(rng.integers(0, 4, 32))
    params = [ember.tensor(rng.standard_normal(s) * 0.3, dtype=ember.float32, requires_grad=True)
              for s in ((8, 16), (16,), (16, 4))]
    # With the cycle collector off, any reference cycle a step leaves behind shows up as growth.
    gc.collect()
    gc.disable()
    fill_tuple_free_lists()
    tracemalloc.start()
    try:
        first_loss = train_step(params, x, target)
        for step in range(2, 2001):
            last_loss = train_step(params, x, target)
            if step == 200:
                early = tracemalloc.get_traced_memory()[0]
        late = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
        gc.enable()
    assert late - early < 8 * 1024, f"memory grew by {late - early} bytes over 1,800 steps"
    assert last_loss < 0.5 * first_loss  # the loop really trained
