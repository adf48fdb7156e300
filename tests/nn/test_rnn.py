"""RNN, LSTM, GRU and their cells against torch: outputs, final states, gradients for the input,
the initial states and every parameter, with weights copied through state_dict (so the names
and shapes must be torch's); gradcheck and gradgradcheck of the recurrent primitives."""

from __future__ import annotations

import re

import numpy as np
import pytest

import ember
import ember.nn as nn
from ember.autograd import gradcheck, gradgradcheck
from ember.ops.rnn import GRULayer, LSTMLayer, RNNReluLayer, RNNTanhLayer

RNG = np.random.default_rng(0)
LAYERS = {"RNN": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU}
CELLS = {"RNNCell": nn.RNNCell, "LSTMCell": nn.LSTMCell, "GRUCell": nn.GRUCell}


def flat(m, result):
    """Every tensor of a recurrent layer's result, flattened into one (for Parity.check)."""
    parts = []
    for item in result if isinstance(result, tuple) else (result,):
        parts += [t.reshape(-1) for t in (item if isinstance(item, tuple) else (item,))]
    return m.cat(parts)


def pair(torch, name: str, *args, dtype=np.float32, **kwargs):
    ours = (LAYERS | CELLS)[name](*args, **kwargs)
    theirs = getattr(torch.nn, name)(*args, **kwargs)
    if dtype == np.float64:
        ours, theirs = ours.double(), theirs.double()
    return ours, theirs


def check(parity, ours, theirs, *arrays, stateful: str = ""):
    """Parity of module(x) or module(x, hx): stateful is "", "h" or "hc"."""
    torch = parity.torch
    tol = dict(rtol=1e-10, atol=1e-12) if arrays[0].dtype == np.float64 else {}
    parity.copy_weights(ours, theirs)

    def run(m, module):
        def call(x, *states):
            hx = None if not states else states[0] if stateful == "h" else tuple(states)
            return flat(m, module(x) if hx is None else module(x, hx))
        return call

    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    parity.check(run(ember, ours), run(torch, theirs), *arrays, ember_params=list(
        ours.parameters()), torch_params=list(theirs.parameters()), **tol)


CONFIGS = [
    dict(num_layers=2),
    dict(num_layers=2, bidirectional=True, batch_first=True),
    dict(bias=False, bidirectional=True),
    dict(num_layers=3, dropout=0.5),  # eval: no dropout
]


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: ",".join(f"{k}={v}" for k, v in
                                                                  c.items()))
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_layers_match_torch(parity, name, config, dtype):
    ours, theirs = pair(parity.torch, name, 3, 4, dtype=dtype, **config)
    ours.eval(), theirs.eval()
    x = RNG.standard_normal((2, 5, 3) if config.get("batch_first") else (5, 2, 3)).astype(dtype)
    check(parity, ours, theirs, x)


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_initial_states_and_train_mode_dropout_match_torch(parity, name):
    """hx given (gradients reach it); dropout=1 between layers, deterministic in train mode."""
    ours, theirs = pair(parity.torch, name, 3, 4, num_layers=2, dropout=1.0, bidirectional=True)
    x = RNG.standard_normal((5, 2, 3)).astype(np.float32)
    states = [RNG.standard_normal((4, 2, 4)).astype(np.float32)
              for _ in range(2 if name == "LSTM" else 1)]
    check(parity, ours, theirs, x, *states, stateful="hc" if name == "LSTM" else "h")


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_lstm_projection_matches_torch(parity, dtype, bidirectional):
    ours, theirs = pair(parity.torch, "LSTM", 3, 5, num_layers=2, proj_size=2, dtype=dtype,
                        bidirectional=bidirectional)
    directions = 2 if bidirectional else 1
    x = RNG.standard_normal((4, 3, 3)).astype(dtype)
    h0 = RNG.standard_normal((2 * directions, 3, 2)).astype(dtype)
    c0 = RNG.standard_normal((2 * directions, 3, 5)).astype(dtype)
    check(parity, ours, theirs, x, h0, c0, stateful="hc")
    assert tuple(ours.weight_hr_l0.shape) == (2, 5)


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_unbatched_input_matches_torch(parity, name):
    ours, theirs = pair(parity.torch, name, 3, 4, num_layers=2, batch_first=True)
    check(parity, ours, theirs, RNG.standard_normal((5, 3)).astype(np.float32))
    states = [RNG.standard_normal((2, 4)).astype(np.float32)
              for _ in range(2 if name == "LSTM" else 1)]
    check(parity, ours, theirs, RNG.standard_normal((5, 3)).astype(np.float32), *states,
          stateful="hc" if name == "LSTM" else "h")


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_packed_sequences_match_torch(parity, name, enforce_sorted):
    """A PackedSequence in (unsorted lengths with enforce_sorted=False), hx permuted in and
    out; the packed output, padded back, and h_n against torch."""
    torch = parity.torch
    from torch.nn.utils import rnn as torch_rnn

    from ember.nn.utils import rnn as ember_rnn

    ours, theirs = pair(torch, name, 3, 4, num_layers=2, bidirectional=True, batch_first=True)
    lengths = [5, 3, 3, 1] if enforce_sorted else [3, 5, 1, 3]
    x = RNG.standard_normal((4, 5, 3)).astype(np.float32)
    states = [RNG.standard_normal((4, 4, 4)).astype(np.float32)
              for _ in range(2 if name == "LSTM" else 1)]

    def run(m, module, utils):
        def call(x, *states):
            packed = utils.pack_padded_sequence(x, lengths, batch_first=True,
                                                enforce_sorted=enforce_sorted)
            hx = states[0] if name != "LSTM" else tuple(states)
            out, hidden = module(packed, hx)
            padded, out_lengths = utils.pad_packed_sequence(out, batch_first=True)
            assert out_lengths.tolist() == lengths
            return flat(m, (padded, hidden))
        return call

    parity.copy_weights(ours, theirs)
    parity.check(run(ember, ours, ember_rnn), run(torch, theirs, torch_rnn), x, *states,
                 ember_params=list(ours.parameters()), torch_params=list(theirs.parameters()))


@pytest.mark.parametrize("name", ["RNNCell", "LSTMCell", "GRUCell"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_cells_match_torch(parity, name, dtype):
    ours, theirs = pair(parity.torch, name, 3, 4, dtype=dtype)
    x = RNG.standard_normal((2, 3)).astype(dtype)
    check(parity, ours, theirs, x)
    states = [RNG.standard_normal((2, 4)).astype(dtype)
              for _ in range(2 if name == "LSTMCell" else 1)]
    check(parity, ours, theirs, x, *states, stateful="hc" if name == "LSTMCell" else "h")
    unbatched = [s[0] for s in states]
    check(parity, ours, theirs, x[0], *unbatched, stateful="hc" if name == "LSTMCell" else "h")


def test_cell_options_match_torch(parity):
    for args in [dict(bias=False), dict(nonlinearity="relu")]:
        ours, theirs = pair(parity.torch, "RNNCell", 3, 4, **args)
        assert repr(ours) == repr(theirs)
        check(parity, ours, theirs, RNG.standard_normal((2, 3)).astype(np.float32))
    ours, theirs = pair(parity.torch, "RNN", 3, 4, 2, "relu")
    check(parity, ours, theirs, RNG.standard_normal((5, 2, 3)).astype(np.float32))


@pytest.mark.parametrize("name,args,kwargs", [
    ("LSTM", (3, 5), dict(num_layers=2, bidirectional=True, proj_size=2, bias=False)),
    ("GRU", (3, 5), dict(num_layers=3, batch_first=True, dropout=0.25)),
    ("RNN", (3, 5), dict(nonlinearity="relu")),
    ("LSTMCell", (3, 5), dict(bias=False)), ("GRUCell", (3, 5), {}), ("RNNCell", (3, 5), {}),
])
def test_state_dict_repr_and_initialisation_match_torch(torch, name, args, kwargs):
    ours, theirs = pair(torch, name, *args, **kwargs)
    assert repr(ours) == repr(theirs)
    ours_state, theirs_state = ours.state_dict(), theirs.state_dict()
    assert list(ours_state) == list(theirs_state)
    assert [tuple(v.shape) for v in ours_state.values()] == [
        tuple(v.shape) for v in theirs_state.values()]
    bound = 1 / np.sqrt(5)
    values = np.concatenate([p.detach().numpy().reshape(-1) for p in ours.parameters()])
    assert values.dtype == np.float32 and np.abs(values).max() <= bound
    assert 0.45 < values.std() / bound < 0.7  # uniform(-bound, bound): std bound / sqrt(3)
    ours.load_state_dict({k: ember.tensor(v.numpy()) for k, v in theirs_state.items()})


def test_flat_weights_follow_assignment_and_dtype_changes():
    lstm = nn.LSTM(3, 4)
    lstm.weight_hh_l0 = nn.Parameter(ember.zeros(16, 4))
    assert lstm._flat_weights[1] is lstm.weight_hh_l0
    lstm.double()
    assert all(w.dtype == ember.float64 for w in lstm._flat_weights)
    assert lstm.all_weights[0][0] is lstm.weight_ih_l0
    lstm.flatten_parameters()  # accepted, nothing to do


def test_layer_is_one_node_per_layer_and_direction():
    out, _ = nn.LSTM(3, 4, num_layers=2)(ember.randn(50, 2, 3))
    names, node, seen = [], out.grad_fn, set()
    stack = [node]
    while stack:
        node = stack.pop()
        if node is None or not hasattr(node, "parents") or id(node) in seen:
            continue
        seen.add(id(node))
        names.append(type(node).__name__)
        stack.extend(p for p in node.parents if not isinstance(p, ember.Tensor))
    assert names.count("LSTMLayer") == 2 and len(names) < 20  # not one node per time step


def test_errors_match_torch(torch):
    cases = [
        (lambda m: m.nn.LSTM(3, 4)(m.zeros(5, 2, 6)), RuntimeError, "input.size(-1) must be"),
        (lambda m: m.nn.LSTM(3, 4, 2)(m.zeros(5, 2, 3), (m.zeros(2, 2, 5), m.zeros(2, 2, 4))),
         RuntimeError, "Expected hidden[0] size (2, 2, 4), got [2, 2, 5]"),
        (lambda m: m.nn.GRU(3, 4)(m.zeros(5, 2, 3), m.zeros(1, 3, 4)), RuntimeError,
         "Expected hidden size (1, 2, 4), got [1, 3, 4]"),
        (lambda m: m.nn.RNN(3, 4)(m.zeros(5, 2, 3, 1)), ValueError, "Expected input to be 2D"),
        (lambda m: m.nn.LSTM(3, 4)(m.zeros(5, 2, 3, dtype=m.float64)), ValueError,
         "does not match weight dtype"),
        (lambda m: m.nn.GRU(3, 4)(m.zeros(5, 2, 3), m.zeros(4)), RuntimeError,
         "For batched 3-D input, hx should also be 3-D"),
        (lambda m: m.nn.LSTMCell(3, 4)(m.zeros(2, 5)), RuntimeError,
         "input has inconsistent input_size: got 5 expected 3"),
        (lambda m: m.nn.GRUCell(3, 4)(m.zeros(2, 3), m.zeros(3, 4)), RuntimeError,
         "Input batch size 2 doesn't match hidden0 batch size 3"),
        (lambda m: m.nn.LSTM(3, 4, proj_size=4), ValueError, "proj_size has to be smaller"),
        (lambda m: m.nn.GRU(3, 4, proj_size=2), ValueError, "only supported for LSTM"),
        (lambda m: m.nn.RNN(3, 4, nonlinearity="gelu"), ValueError, "Unknown nonlinearity"),
        (lambda m: m.nn.LSTM(3, 4, dropout=2), ValueError, "dropout should be a number"),
    ]
    for build, error, message in cases:
        for m in (ember, torch):
            with pytest.raises(error, match=re.escape(message)):
                build(m)
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.LSTM(3, 4, dropout=0.5)


# ---- the primitives ------------------------------------------------------------------------
PRIMITIVES = [
    # (Function, gates, has a cell state, projection, batch sizes, reverse)
    (LSTMLayer, 4, True, False, (3, 2, 1), False),
    (LSTMLayer, 4, True, True, (3, 3, 1), True),
    (GRULayer, 3, False, False, (3, 2, 1), True),
    (RNNTanhLayer, 1, False, False, (2, 2, 1), False),
    (RNNReluLayer, 1, False, False, (3, 1), True),
]


def primitive_case(layer, gates, cell, proj, batch_sizes, reverse):
    rng = np.random.default_rng(1)
    hidden, out = 2, 1 if proj else 2
    batch, rows = batch_sizes[0], sum(batch_sizes)
    shapes = [(rows, gates * hidden), (batch, out)] + ([(batch, hidden)] if cell else [])
    shapes += [(gates * hidden, out), (gates * hidden,)] + ([(out, hidden)] if proj else [])
    # relu needs inputs away from its kink for finite differences
    inputs = [ember.tensor(rng.uniform(0.2, 0.8, s) * rng.choice([-1, 1], s) if layer is
                           RNNReluLayer else rng.standard_normal(s) * 0.6, requires_grad=True)
              for s in shapes]

    def fn(*xs):
        return layer.apply(*xs, batch_sizes=batch_sizes, reverse=reverse, has_bias=True,
                           has_proj=proj)
    return fn, inputs


@pytest.mark.parametrize("case", PRIMITIVES, ids=lambda c: f"{c[0].__name__}-{c[3]}-{c[5]}")
def test_recurrent_primitives_gradcheck_and_gradgradcheck(case):
    fn, inputs = primitive_case(*case)
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)
