"""A recurrent layer unrolled into one set of ONNX nodes per time step, for what ONNX's LSTM, GRU
and RNN operators cannot express: an LSTM with a projection (proj_size), and packed sequences of
different lengths (step t advances only the first batch_sizes[t] sequences). The number of steps
is fixed in the graph; with equal batch sizes the batch may still be dynamic."""

from __future__ import annotations

from ...ops.rnn import GRULayer, LSTMLayer, RNNTanhLayer

_BLOCKS = {LSTMLayer: 4, GRULayer: 3}  # gate blocks per layer kind (the RNNs have one)


def unrolled(g, node) -> str:
    """The primitive's flat result (outputs of every step, final h, final c), step by step."""
    sizes = node.option("batch_sizes")
    equal = len(set(sizes)) == 1
    if "batch_sizes" in node.varying:
        other = node.varying["batch_sizes"][1]
        if not equal or len(other) != len(sizes):
            raise node.fail("a recurrent layer unrolled (packed sequences of different lengths, "
                            "or an LSTM with proj_size) has a fixed number of steps and fixed "
                            "packed batch sizes; export without dynamic axes there")
    has_cell = node.kind.has_cell
    k = 3 if has_cell else 2  # W_hh's position among the inputs
    w_hh_t = g.op("Transpose", g.input(node, k), perm=[1, 0])
    b_hh = g.input(node, k + 1) if node.option("has_bias") else None
    w_hr_t = (g.op("Transpose", g.input(node, len(node.inputs) - 1), perm=[1, 0])
              if node.option("has_proj") else None)
    gates = node.shape(0)[1]
    width = gates // _BLOCKS.get(node.kind, 1)
    (batch1, out_width), (batch2, _) = node.in_shapes[1]
    if equal:  # (T, B, G), one step a slice of dim 0: the batch may be dynamic
        steps = g.op("Reshape", g.input(node, 0), g.shape_of(
            (len(sizes), batch1, gates), (len(sizes), batch2, gates), prefer=node.inputs[1:2]))
    starts = [sum(sizes[:t]) for t in range(len(sizes))]
    h = g.input(node, 1)
    c = g.input(node, 2) if has_cell else None
    outputs = [None] * len(sizes)
    for t in reversed(range(len(sizes))) if node.option("reverse") else range(len(sizes)):
        rows = sizes[t]
        shrunk = not equal and rows < batch1
        if equal:
            gx = g.op("Squeeze", g.op("Gather", steps, g.ints([t]), axis=0), g.ints([0]))
        else:
            gx = _rows(g, g.input(node, 0), starts[t], starts[t] + rows)
        h_prev = _rows(g, h, 0, rows) if shrunk else h
        c_prev = _rows(g, c, 0, rows) if shrunk and c is not None else c
        gh = g.op("MatMul", h_prev, w_hh_t)
        if b_hh is not None:
            gh = g.op("Add", gh, b_hh)
        h_new, c_new = _step(g, node.kind, gx, gh, h_prev, c_prev, w_hr_t, width)
        outputs[t] = h_new
        if shrunk:  # the sequences that have ended keep their state
            h = g.op("Concat", h_new, _rows(g, h, rows, None), axis=0)
            c = None if c is None else g.op("Concat", c_new, _rows(g, c, rows, None), axis=0)
        else:
            h, c = h_new, c_new
    flat = g.ints([-1])
    (rows1, _), (rows2, _) = node.in_shapes[0]
    pieces = [(g.op("Reshape", g.op("Concat", *outputs, axis=0), flat),
               (rows1 * out_width, rows2 * out_width)),
              (g.op("Reshape", h, flat), (batch1 * out_width, batch2 * out_width))]
    if c is not None:
        pieces.append((g.op("Reshape", c, flat), (batch1 * width, batch2 * width)))
    return g.concat_pieces(pieces)


def _rows(g, x: str, start: int, stop: int | None) -> str:
    end = g.ints([2 ** 62 if stop is None else stop])
    return g.op("Slice", x, g.ints([start]), end, g.ints([0]))


def _gate(g, gates: str, index: int, width: int) -> str:
    """Gate block `index` (columns index*width to (index+1)*width)."""
    return g.op("Slice", gates, g.ints([index * width]), g.ints([(index + 1) * width]),
                g.ints([1]))


def _step(g, kind, gx, gh, h, c, w_hr_t, width):
    """One step's new hidden state (and cell state), as ember.ops.rnn computes it."""
    if kind is LSTMLayer:  # gates i, f, g, o
        pre = g.op("Add", gx, gh)
        i, f, cand, o = (_gate(g, pre, b, width) for b in range(4))
        c_new = g.op("Add", g.op("Mul", g.op("Sigmoid", f), c),
                     g.op("Mul", g.op("Sigmoid", i), g.op("Tanh", cand)))
        h_new = g.op("Mul", g.op("Sigmoid", o), g.op("Tanh", c_new))
        return (h_new if w_hr_t is None else g.op("MatMul", h_new, w_hr_t)), c_new
    if kind is GRULayer:  # gates r, z, n; n reads r * (W_hn h + b_hn)
        r = g.op("Sigmoid", g.op("Add", _gate(g, gx, 0, width), _gate(g, gh, 0, width)))
        z = g.op("Sigmoid", g.op("Add", _gate(g, gx, 1, width), _gate(g, gh, 1, width)))
        n = g.op("Tanh", g.op("Add", _gate(g, gx, 2, width),
                              g.op("Mul", r, _gate(g, gh, 2, width))))
        return g.op("Add", n, g.op("Mul", z, g.op("Sub", h, n))), None
    return g.op("Tanh" if kind is RNNTanhLayer else "Relu", g.op("Add", gx, gh)), None
