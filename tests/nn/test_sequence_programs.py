"""Programs in the style of pytorch/examples' mnist_rnn, word_language_model (LSTM, GRU and
Transformer, with and without --tied) and time_sequence_prediction, and a nanoGPT-style model,
trained with ember and with torch from the same starting weights on the same data: the losses
must match step by step, and training must learn. The models are in sequence_models.py; the
short runs are quick checks, the long ones (`slow`) train for a few hundred steps."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from sequence_models import copy_state, models

import ember

pytestmark = [pytest.mark.filterwarnings("ignore:enable_nested_tensor is True"),
              pytest.mark.filterwarnings("ignore:LSTM with projections")]


def twins(torch, name: str, *args, dtype=None, **kwargs):
    """The same model built with ember and with torch, ember given torch's weights."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.manual_seed(0)
        theirs = getattr(models(torch), name)(*args, **kwargs)
        ours = getattr(models(ember), name)(*args, **kwargs)
    if dtype == "double":
        ours, theirs = ours.double(), theirs.double()
    copy_state(ours, theirs)
    return ours, theirs


def assert_losses_match(ours: list, theirs: list, rtol: float) -> None:
    np.testing.assert_allclose(ours, theirs, rtol=rtol, err_msg="ember's losses vs torch's")


# ---- mnist_rnn ---------------------------------------------------------------------------------
def mnist_arrays(data_root, count: int, train: bool = True):
    dataset = ember.data.MNIST(root=data_root, train=train)
    images, labels = dataset.data.numpy()[:count], dataset.targets.numpy()[:count]
    return ((images / 255.0 - 0.1307) / 0.3081).astype(np.float32), labels


def train_mnist_rnn(m, model, images, labels, steps: int, batch: int = 64) -> list[float]:
    """mnist_rnn's loop: Adadelta, a StepLR, NLL of log-softmax outputs."""
    F = m.nn.functional
    opt = m.optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = m.optim.lr_scheduler.StepLR(opt, step_size=50, gamma=0.7)
    model.train()
    losses = []
    for step in range(steps):
        start = step * batch % (len(images) - batch)
        x, y = m.tensor(images[start:start + batch]), m.tensor(labels[start:start + batch])
        opt.zero_grad()
        loss = F.nll_loss(model(x), y)
        loss.backward()
        opt.step()
        scheduler.step()
        losses.append(loss.item())
    return losses


def mnist_rnn_case(torch, data_root, steps: int, rtol: float):
    images, labels = mnist_arrays(data_root, 4000)
    ours, theirs = twins(torch, "MnistRNN")
    ours_losses = train_mnist_rnn(ember, ours, images, labels, steps)
    theirs_losses = train_mnist_rnn(torch, theirs, images, labels, steps)
    assert_losses_match(ours_losses, theirs_losses, rtol)
    return ours, ours_losses, images, labels


def test_mnist_rnn_matches_torch(torch, data_root):
    _, losses, _, _ = mnist_rnn_case(torch, data_root, 12, rtol=1e-4)
    assert np.mean(losses[-4:]) < np.mean(losses[:4])


@pytest.mark.slow
def test_mnist_rnn_learns_like_torch(torch, data_root):
    model, _, _, _ = mnist_rnn_case(torch, data_root, 200, rtol=2e-3)
    images, labels = mnist_arrays(data_root, 1000, train=False)
    model.eval()
    with ember.no_grad():
        predicted = model(ember.tensor(images)).argmax(1).numpy()
    assert (predicted == labels).mean() > 0.75, "accuracy on 1000 test images"


# ---- word_language_model ------------------------------------------------------------------------
SUBJECTS = "the cat|a dog|my friend|the old man|a small bird|the teacher".split("|")
VERBS = "sees|likes|follows|finds|watches|helps".split("|")
OBJECTS = "the river|a red ball|the garden|an apple|the moon|a quiet house".split("|")
ENDINGS = "today|at night|in the morning|again|with care".split("|")


def corpus(sentences: int, seed: int = 0) -> list[str]:
    """A small generated text: simple sentences with a learnable structure."""
    rng = np.random.default_rng(seed)
    words = []
    for _ in range(sentences):
        parts = [SUBJECTS, VERBS, OBJECTS] + ([ENDINGS] if rng.random() < 0.5 else [])
        words += " ".join(p[rng.integers(len(p))] for p in parts).split() + ["."]
    return words


def batchify(m, ids: np.ndarray, bsz: int):
    n = len(ids) // bsz
    return m.tensor(ids[:n * bsz].reshape(bsz, n).T.copy())


def train_language_model(m, model, data, kind: str, steps: int, bptt: int = 12,
                         lr: float = 5.0) -> list[float]:
    """word_language_model's train(): truncated backpropagation through time, the hidden state
    detached between batches, gradient clipping and a hand-written SGD step."""
    criterion = m.nn.NLLLoss()
    model.train()
    hidden = None if kind == "Transformer" else model.init_hidden(data.shape[1])
    losses, i = [], 0
    for _ in range(steps):
        if i + 1 + bptt > data.shape[0]:
            i = 0
        inputs, targets = data[i:i + bptt], data[i + 1:i + 1 + bptt].reshape(-1)
        i += bptt
        model.zero_grad()
        if kind == "Transformer":
            output = model(inputs).view(-1, model.decoder.out_features)
        else:
            hidden = tuple(h.detach() for h in hidden) if isinstance(hidden, tuple) else \
                hidden.detach()
            output, hidden = model(inputs, hidden)
        loss = criterion(output, targets)
        loss.backward()
        m.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
        for p in model.parameters():
            if p.grad is not None:
                p.data.add_(p.grad, alpha=-lr)
        losses.append(loss.item())
    return losses


def language_model_case(torch, kind: str, tied: bool, sentences: int, steps: int,
                        rtol: float, dtype=None) -> list[float]:
    words = corpus(sentences)
    vocab = sorted(set(words))
    ids = np.array([vocab.index(w) for w in words])
    if kind == "Transformer":
        ours, theirs = twins(torch, "TransformerModel", len(vocab), 16, 2, 32, 2, dtype=dtype)
    else:
        ours, theirs = twins(torch, "RNNModel", kind, len(vocab), 16, 16 if tied else 24, 2,
                             tie_weights=tied, dtype=dtype)
    if tied:
        assert ours.decoder.weight is ours.encoder.weight
    ours_losses = train_language_model(ember, ours, batchify(ember, ids, 8), kind, steps)
    theirs_losses = train_language_model(torch, theirs, batchify(torch, ids, 8), kind, steps)
    assert_losses_match(ours_losses, theirs_losses, rtol)
    return ours_losses


LANGUAGE_MODELS = [("LSTM", False), ("LSTM", True), ("GRU", True), ("RNN_TANH", False),
                   ("Transformer", False)]


@pytest.mark.parametrize("kind,tied", LANGUAGE_MODELS)
def test_word_language_model_matches_torch(torch, kind, tied):
    losses = language_model_case(torch, kind, tied, sentences=60, steps=12, rtol=1e-4)
    assert losses[-1] < losses[0]


@pytest.mark.slow
@pytest.mark.parametrize("kind,tied", [("LSTM", True), ("GRU", False), ("Transformer", False)])
def test_word_language_model_learns_like_torch(torch, kind, tied):
    """In float64: over hundreds of steps at a high learning rate float32 rounding differences
    grow (torch against itself on another BLAS would drift apart as well)."""
    losses = language_model_case(torch, kind, tied, sentences=600, steps=200, rtol=1e-5,
                                 dtype="double")
    # far below a uniform guess over the vocabulary
    assert np.mean(losses[-20:]) < 0.5 * math.log(42)


# ---- time_sequence_prediction --------------------------------------------------------------------
def sine_waves(count: int, length: int) -> np.ndarray:
    """generate_sine_wave.py's data: shifted sines of period 2 pi T, T = 20."""
    rng = np.random.default_rng(2)
    x = np.arange(length) + rng.integers(-80, 80, count)[:, None]
    return np.sin(x / 20.0)


def train_sequence(m, model, data: np.ndarray, steps: int, max_iter: int):
    """time_sequence_prediction: LBFGS on the MSE of next-value predictions, then a forecast."""
    inputs, targets = m.tensor(data[3:, :-1]), m.tensor(data[3:, 1:])
    criterion = m.nn.MSELoss()
    opt = m.optim.LBFGS(model.parameters(), lr=0.8, max_iter=max_iter)
    losses = []
    for _ in range(steps):
        def closure():
            opt.zero_grad()
            loss = criterion(model(inputs), targets)
            losses.append(loss.item())
            loss.backward()
            return loss
        opt.step(closure)
    with m.no_grad():
        future = 20
        prediction = model(m.tensor(data[:3, :-1]), future=future)
        test_loss = criterion(prediction[:, :-future], m.tensor(data[:3, 1:])).item()
    return losses, test_loss, prediction.numpy()


@pytest.mark.parametrize("steps,max_iter,length", [
    pytest.param(1, 6, 30, id="quick"),
    pytest.param(2, 20, 60, id="long", marks=pytest.mark.slow)])
def test_time_sequence_prediction_matches_torch(torch, steps, max_iter, length):
    data = sine_waves(12, length)
    ours, theirs = twins(torch, "Sequence", hidden=16, dtype="double")
    ours_losses, ours_test, ours_forecast = train_sequence(ember, ours, data, steps, max_iter)
    theirs_losses, theirs_test, theirs_forecast = train_sequence(torch, theirs, data, steps,
                                                                 max_iter)
    assert_losses_match(ours_losses, theirs_losses, rtol=1e-7)
    np.testing.assert_allclose(ours_forecast, theirs_forecast, rtol=1e-6, atol=1e-8)
    assert ours_test == pytest.approx(theirs_test, rel=1e-6)
    if steps > 1:
        assert ours_losses[-1] < 0.1 * ours_losses[0]


# ---- a small GPT ---------------------------------------------------------------------------------
TEXT = """It was a bright cold day in April, and the clocks were striking thirteen. The wind
carried the smell of rain over the hills, and the river ran fast and grey below the town.
Nobody in the market looked up when the bell rang; they counted apples, weighed flour and
argued about the price of wool, as they had done every morning for a hundred years."""


def char_batches(rng, ids: np.ndarray, block: int, batch: int):
    starts = rng.integers(0, len(ids) - block - 1, batch)
    x = np.stack([ids[s:s + block] for s in starts])
    return x, np.stack([ids[s + 1:s + 1 + block] for s in starts])


def train_gpt(m, model, ids, steps: int, block: int, batch: int) -> list[float]:
    """nanoGPT's loop: AdamW (decay on matrices only), gradient clipping at 1."""
    opt = model.configure_optimizers(weight_decay=0.1, learning_rate=3e-3, betas=(0.9, 0.95))
    rng = np.random.default_rng(4)
    losses = []
    for _ in range(steps):
        x, y = char_batches(rng, ids, block, batch)
        opt.zero_grad(set_to_none=True)
        loss = model(m.tensor(x), m.tensor(y))
        loss.backward()
        m.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
    return losses


@pytest.mark.parametrize("steps,rtol,dtype", [
    pytest.param(15, 1e-4, None, id="quick"),
    pytest.param(200, 1e-6, "double", id="long", marks=pytest.mark.slow)])
def test_gpt_matches_torch(torch, steps, rtol, dtype):
    chars = sorted(set(TEXT))
    ids = np.array([chars.index(c) for c in TEXT])
    block, batch = 32, 8
    ours, theirs = twins(torch, "GPT", len(chars), block, 2, 2, 32, dtype=dtype)
    assert ours.lm_head.weight is ours.wte.weight
    ours_losses = train_gpt(ember, ours, ids, steps, block, batch)
    theirs_losses = train_gpt(torch, theirs, ids, steps, block, batch)
    assert_losses_match(ours_losses, theirs_losses, rtol)
    assert np.mean(ours_losses[-3:]) < 0.8 * ours_losses[0]
    if steps > 100:
        assert np.mean(ours_losses[-20:]) < 2.0  # from ln(40) = 3.7: it has learnt the text
