"""Training-step times of sequence models, ember against PyTorch eager, one thread each:

- lstm_lm: word_language_model's LSTM (2 layers of 256, embedding 256, vocabulary 10000),
  35 steps of batch 20, SGD with gradient clipping;
- gpt: a nanoGPT-style model (4 layers, 4 heads, embedding 128, context 64, vocabulary 65),
  batch 16, AdamW with gradient clipping;

and, for the two fused primitives, the primitive against the same math composed of ember's
smaller primitives and against PyTorch (a 2-layer LSTM of 256 over 35 steps of batch 20, forward
and backward; causal attention of (16, 4, 64, 32), forward and backward).

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/sequence.py [--rounds 7]

The models are the tests' (tests/nn/sequence_models.py), built from the same starting weights.
Each round times every contender once, in turn, after a warm-up, so that load from elsewhere
hits them alike; the table gives the minimum and the median over the rounds, in milliseconds.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

import ember  # noqa: E402

_MODELS = Path(__file__).resolve().parent.parent / "tests" / "nn" / "sequence_models.py"
_spec = importlib.util.spec_from_file_location("sequence_models", _MODELS)
_models = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_models)


def lstm_lm_step(m, model, data, targets):
    hidden = model.init_hidden(data.shape[1])
    opt = m.optim.SGD(model.parameters(), lr=0.1)

    def step():
        opt.zero_grad()
        output, _ = model(data, hidden)
        loss = m.nn.functional.nll_loss(output, targets)
        loss.backward()
        m.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
        opt.step()
    return step


def gpt_step(m, model, x, y):
    opt = model.configure_optimizers(0.1, 1e-3, (0.9, 0.95))

    def step():
        opt.zero_grad()
        loss = model(x, y)
        loss.backward()
        m.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
    return step


def model_rows(rng) -> dict:
    tokens = rng.integers(0, 10000, (36, 20))
    contenders = {}
    reference = _models.models(torch).RNNModel("LSTM", 10000, 256, 256, 2)
    for m in (ember, torch):
        model = _models.models(m).RNNModel("LSTM", 10000, 256, 256, 2)
        if m is ember:
            _models.copy_state(model, reference)
        else:
            model.load_state_dict(reference.state_dict())
        contenders[("lstm_lm", m.__name__)] = lstm_lm_step(
            m, model, m.tensor(tokens[:-1]), m.tensor(tokens[1:].reshape(-1)))
    chars = rng.integers(0, 65, (16, 65))
    reference = _models.models(torch).GPT(65, 64, 4, 4, 128)
    for m in (ember, torch):
        model = _models.models(m).GPT(65, 64, 4, 4, 128)
        if m is ember:
            _models.copy_state(model, reference)
        else:
            model.load_state_dict(reference.state_dict())
        contenders[("gpt", m.__name__)] = gpt_step(m, model, m.tensor(chars[:, :-1]),
                                                  m.tensor(chars[:, 1:]))
    return contenders


def composed_lstm(x, h, c, layers):
    """The LSTM recurrence from matmul, slicing, sigmoid, tanh, mul, add and stack."""
    out = x
    for w_ih, w_hh, b_ih, b_hh in layers:
        gx = ember.nn.functional.linear(out, w_ih, b_ih)
        hs, h_t, c_t = [], h, c
        size = h.shape[1]
        for t in range(out.shape[0]):
            gates = gx[t] + h_t @ w_hh.T + b_hh
            i, f = gates[:, :size].sigmoid(), gates[:, size:2 * size].sigmoid()
            g, o = gates[:, 2 * size:3 * size].tanh(), gates[:, 3 * size:].sigmoid()
            c_t = f * c_t + i * g
            h_t = o * c_t.tanh()
            hs.append(h_t)
        out = ember.stack(hs)
    return out


def composed_attention(q, k, v, mask):
    scores = (q @ k.transpose(-2, -1)) * (1.0 / np.sqrt(q.shape[-1])) + mask
    return ember.softmax(scores, -1) @ v


def primitive_rows(rng) -> dict:
    lstm = ember.nn.LSTM(256, 256, 2)
    x_array = rng.standard_normal((35, 20, 256)).astype(np.float32)
    x = ember.tensor(x_array)
    h = ember.zeros(20, 256)
    layers = [lstm.all_weights[k] for k in range(2)]

    def fused_lstm():
        lstm.zero_grad()
        lstm(x)[0].sum().backward()

    def composed():
        lstm.zero_grad()
        composed_lstm(x, h, h, layers).sum().backward()

    torch_lstm, torch_x = torch.nn.LSTM(256, 256, 2), torch.tensor(x_array)

    def torch_lstm_step():
        torch_lstm.zero_grad()
        torch_lstm(torch_x)[0].sum().backward()

    shape = (16, 4, 64, 32)
    q, k, v = (ember.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)
               for _ in range(3))
    mask = ember.nn.Transformer.generate_square_subsequent_mask(64)

    def fused_attention():
        ember.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True).sum().backward()

    def composed_attn():
        composed_attention(q, k, v, mask).sum().backward()

    tq, tk, tv = (torch.tensor(t.detach().numpy(), requires_grad=True) for t in (q, k, v))

    def torch_attention():
        torch.nn.functional.scaled_dot_product_attention(tq, tk, tv,
                                                         is_causal=True).sum().backward()

    return {("lstm 2x256 fwd+bwd", "fused"): fused_lstm,
            ("lstm 2x256 fwd+bwd", "composed"): composed,
            ("lstm 2x256 fwd+bwd", "torch"): torch_lstm_step,
            ("attention fwd+bwd", "fused"): fused_attention,
            ("attention fwd+bwd", "composed"): composed_attn,
            ("attention fwd+bwd", "torch"): torch_attention}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    contenders = {**model_rows(rng), **primitive_rows(rng)}
    times = {key: [] for key in contenders}
    for step in contenders.values():  # warm-up
        step()
    for _ in range(args.rounds):
        for key, step in contenders.items():
            start = time.perf_counter()
            step()
            times[key].append(time.perf_counter() - start)
    print("| step | contender | min ms | median ms |\n|---|---|---|---|")
    for (row, who), samples in times.items():
        print(f"| {row} | {who} | {min(samples) * 1e3:.1f} | "
              f"{statistics.median(samples) * 1e3:.1f} |")


if __name__ == "__main__":
    main()
