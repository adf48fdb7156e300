"""Whole programs as benchmark rows: one training step (forward, loss, backward, optimizer step)
of models that public PyTorch programs train, built the same way in ember and in PyTorch.

Each builder writes the model once against PyTorch's API (`lib.mod` is ember or torch), and every
parameter gets the same values in both libraries (drawn by shape, in `named_parameters` order,
from PyTorch's default initialisation ranges), so both libraries run the same math. Dropout masks
differ between the libraries, so their losses are not compared; the cost of a step is the same.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .numpy_models import NumpyExamplesCNN
from .workloads import Framework, Step, Workload


class Program(Workload):
    """A whole program, timed against PyTorch; those with a hand-written NumPy floor define
    `numpy`. Programs with dropout draw different masks in every library, so their losses are
    not compared (`compare`)."""

    numpy = None
    compare = False


def initial_values(named_shapes, dtype: np.dtype) -> list[np.ndarray]:
    """Deterministic weights in PyTorch's default ranges, for (name, shape) pairs in
    `named_parameters` order: U(±1/sqrt(fan_in)) for weights and biases, ones for normalisation
    weights, zeros for normalisation biases."""
    rng = np.random.default_rng(0)
    fan_in, values = 1, []
    for name, shape in named_shapes:
        norm = "norm" in name or "bn" in name or name.startswith(("ln", "norm"))
        if len(shape) >= 2:
            fan_in = math.prod(shape[1:])  # a bias that follows uses its weight's fan-in
        if norm and len(shape) == 1:
            value = np.ones(shape) if name.endswith("weight") else np.zeros(shape)
        else:
            bound = 1 / math.sqrt(fan_in)
            value = rng.uniform(-bound, bound, shape)
        values.append(value.astype(dtype))
    return values


def _load_weights(lib: Framework, model, dtype: np.dtype) -> None:
    """Give every parameter its value from `initial_values`."""
    params = list(model.named_parameters())
    values = initial_values([(name, tuple(p.shape)) for name, p in params], dtype)
    with lib.mod.no_grad():
        for (_, p), value in zip(params, values):
            p.copy_(lib.mod.from_numpy(value))


def _batch(shape: tuple, classes: int, dtype: np.dtype, seed: int = 1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape).astype(dtype), rng.integers(0, classes, shape[0])


def _tokens(shape: tuple, vocab: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    return rng.integers(0, vocab, shape), rng.integers(0, vocab, shape)


@dataclass(frozen=True)
class ExamplesCNN(Program):
    """pytorch/examples' MNIST net: conv 1→32 3×3, ReLU, conv 32→64 3×3, ReLU, max-pool 2,
    dropout 0.25, linear 9216→128, ReLU, dropout 0.5, linear 128→10, log_softmax + NLL; SGD
    with momentum 0.5. `dropout=False` (p = 0) makes every library compute the same loss, which
    is how the tests check the NumPy floor."""

    batch: int
    dropout: bool = True
    lr: float = 0.01
    momentum: float = 0.5

    @property
    def compare(self) -> bool:  # dropout masks differ between the libraries
        return not self.dropout

    def _probabilities(self) -> tuple[float, float]:
        return (0.25, 0.5) if self.dropout else (0.0, 0.0)

    def framework(self, lib: Framework, dtype: np.dtype) -> Step:
        nn, F = lib.mod.nn, lib.mod.nn.functional
        p1, p2 = self._probabilities()

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv1 = nn.Conv2d(1, 32, 3, 1)
                self.conv2 = nn.Conv2d(32, 64, 3, 1)
                self.dropout1 = nn.Dropout(p1)
                self.dropout2 = nn.Dropout(p2)
                self.fc1 = nn.Linear(9216, 128)
                self.fc2 = nn.Linear(128, 10)

            def forward(self, x):
                x = F.relu(self.conv1(x))
                x = F.relu(self.conv2(x))
                x = self.dropout1(F.max_pool2d(x, 2))
                x = self.dropout2(F.relu(self.fc1(lib.mod.flatten(x, 1))))
                return F.log_softmax(self.fc2(x), dim=1)

        model = Net().to(lib.mod.float64 if dtype == np.float64 else lib.mod.float32)
        _load_weights(lib, model, dtype)
        opt = lib.mod.optim.SGD(model.parameters(), lr=self.lr, momentum=self.momentum)
        x, y = (lib.tensor(a) for a in _batch((self.batch, 1, 28, 28), 10, dtype))

        def step():
            opt.zero_grad()
            loss = F.nll_loss(model(x), y)
            loss.backward()
            opt.step()
            return loss

        return step

    def numpy(self, dtype: np.dtype) -> Step:
        params = initial_values(NumpyExamplesCNN.NAMED_SHAPES, dtype)
        x, y = _batch((self.batch, 1, 28, 28), 10, dtype)
        net = NumpyExamplesCNN(params, x, y, self.lr, self.momentum, self._probabilities())
        return net.train_step


@dataclass(frozen=True)
class ResNet18(Program):
    """A CIFAR-style ResNet-18 (BasicBlocks with BatchNorm and `out += identity`, 3×3 stem, no
    max-pool) on 3×32×32 inputs, SGD with momentum."""

    batch: int

    def framework(self, lib: Framework, dtype: np.dtype) -> Step:
        nn, F = lib.mod.nn, lib.mod.nn.functional

        class BasicBlock(nn.Module):
            def __init__(self, planes_in, planes, stride):
                super().__init__()
                self.conv1 = nn.Conv2d(planes_in, planes, 3, stride, 1, bias=False)
                self.bn1 = nn.BatchNorm2d(planes)
                self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
                self.bn2 = nn.BatchNorm2d(planes)
                self.shortcut = nn.Sequential()
                if stride != 1 or planes_in != planes:
                    self.shortcut = nn.Sequential(
                        nn.Conv2d(planes_in, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))

            def forward(self, x):
                identity = self.shortcut(x)
                out = F.relu(self.bn1(self.conv1(x)))
                out = self.bn2(self.conv2(out))
                out += identity
                return F.relu(out)

        class ResNet(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False)
                self.bn1 = nn.BatchNorm2d(64)
                layers, planes_in = [], 64
                for planes, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
                    layers += [BasicBlock(planes_in, planes, stride), BasicBlock(planes, planes, 1)]
                    planes_in = planes
                self.layers = nn.Sequential(*layers)
                self.fc = nn.Linear(512, 10)

            def forward(self, x):
                out = self.layers(F.relu(self.bn1(self.conv1(x))))
                out = F.adaptive_avg_pool2d(out, 1).flatten(1)
                return self.fc(out)

        model = ResNet().to(lib.mod.float64 if dtype == np.float64 else lib.mod.float32)
        _load_weights(lib, model, dtype)
        opt = lib.mod.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        x, y = (lib.tensor(a) for a in _batch((self.batch, 3, 32, 32), 10, dtype))

        def step():
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss

        return step


@dataclass(frozen=True)
class GPT(Program):
    """A GPT: token and position embeddings, pre-norm blocks (LayerNorm, causal attention through
    F.scaled_dot_product_attention, GELU MLP), a tied head; AdamW and gradient clipping."""

    batch: int
    layers: int = 4
    heads: int = 4
    width: int = 128
    context: int = 64
    vocab: int = 65

    def framework(self, lib: Framework, dtype: np.dtype) -> Step:
        nn, F = lib.mod.nn, lib.mod.nn.functional
        width, heads = self.width, self.heads

        class Block(nn.Module):
            def __init__(self):
                super().__init__()
                self.ln_1 = nn.LayerNorm(width)
                self.attn = nn.Linear(width, 3 * width)
                self.proj = nn.Linear(width, width)
                self.ln_2 = nn.LayerNorm(width)
                self.fc = nn.Linear(width, 4 * width)
                self.fc_proj = nn.Linear(4 * width, width)

            def forward(self, x):
                b, t, c = x.shape
                q, k, v = self.attn(self.ln_1(x)).split(c, dim=2)
                q, k, v = (z.view(b, t, heads, c // heads).transpose(1, 2) for z in (q, k, v))
                y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
                x = x + self.proj(y.transpose(1, 2).contiguous().view(b, t, c))
                return x + self.fc_proj(F.gelu(self.fc(self.ln_2(x))))

        gpt = self

        class Model(nn.Module):
            def __init__(self):
                super().__init__()
                self.wte = nn.Embedding(gpt.vocab, width)
                self.wpe = nn.Embedding(gpt.context, width)
                self.blocks = nn.ModuleList([Block() for _ in range(gpt.layers)])
                self.ln_f = nn.LayerNorm(width)
                self.head = nn.Linear(width, gpt.vocab, bias=False)
                self.head.weight = self.wte.weight

            def forward(self, idx):
                positions = lib.mod.arange(idx.shape[1])
                x = self.wte(idx) + self.wpe(positions)
                for block in self.blocks:
                    x = block(x)
                return self.head(self.ln_f(x))

        model = Model().to(lib.mod.float64 if dtype == np.float64 else lib.mod.float32)
        _load_weights(lib, model, dtype)
        opt = lib.mod.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.1)
        x, y = (lib.mod.from_numpy(a) for a in _tokens((self.batch, self.context), self.vocab))

        def step():
            opt.zero_grad(set_to_none=True)
            logits = model(x)
            loss = F.cross_entropy(logits.view(-1, logits.shape[-1]), y.view(-1))
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            return loss

        return step


@dataclass(frozen=True)
class LSTMLanguageModel(Program):
    """pytorch/examples' word language model: embedding, a 2-layer LSTM, a decoder tied to the
    embedding; SGD with gradient clipping."""

    batch: int
    width: int = 256
    sequence: int = 35
    vocab: int = 10000

    def framework(self, lib: Framework, dtype: np.dtype) -> Step:
        nn, F = lib.mod.nn, lib.mod.nn.functional
        lm = self

        class Model(nn.Module):
            def __init__(self):
                super().__init__()
                self.encoder = nn.Embedding(lm.vocab, lm.width)
                self.rnn = nn.LSTM(lm.width, lm.width, 2, dropout=0.2)
                self.drop = nn.Dropout(0.2)
                self.decoder = nn.Linear(lm.width, lm.vocab)
                self.decoder.weight = self.encoder.weight

            def forward(self, tokens):
                output, _ = self.rnn(self.drop(self.encoder(tokens)))
                return self.decoder(self.drop(output))

        model = Model().to(lib.mod.float64 if dtype == np.float64 else lib.mod.float32)
        _load_weights(lib, model, dtype)
        opt = lib.mod.optim.SGD(model.parameters(), lr=20.0)
        x, y = (lib.mod.from_numpy(a) for a in _tokens((self.sequence, self.batch), self.vocab))

        def step():
            opt.zero_grad()
            output = model(x)
            loss = F.cross_entropy(output.view(-1, lm.vocab), y.view(-1))
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 0.25)
            opt.step()
            return loss

        return step


@dataclass(frozen=True)
class DCGAN(Program):
    """One DCGAN iteration at 32×32 (discriminator update, then generator update) with 32 base
    channels, latent 100, Adam(0.0002, betas=(0.5, 0.999)), as pytorch/examples' dcgan."""

    batch: int
    channels: int = 32
    latent: int = 100

    def framework(self, lib: Framework, dtype: np.dtype) -> Step:
        torch = lib.mod
        nn = torch.nn
        c, z = self.channels, self.latent
        generator = nn.Sequential(
            nn.ConvTranspose2d(z, c * 4, 4, 1, 0, bias=False), nn.BatchNorm2d(c * 4), nn.ReLU(True),
            nn.ConvTranspose2d(c * 4, c * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(c * 2),
            nn.ReLU(True),
            nn.ConvTranspose2d(c * 2, c, 4, 2, 1, bias=False), nn.BatchNorm2d(c), nn.ReLU(True),
            nn.ConvTranspose2d(c, 3, 4, 2, 1, bias=False), nn.Tanh())
        discriminator = nn.Sequential(
            nn.Conv2d(3, c, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(c, c * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(c * 2),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(c * 2, c * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(c * 4),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(c * 4, 1, 4, 1, 0, bias=False), nn.Sigmoid())
        float_type = torch.float64 if dtype == np.float64 else torch.float32
        for model in (generator, discriminator):
            model.to(float_type)
            _load_weights(lib, model, dtype)
        criterion = nn.BCELoss()
        opt_d = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
        opt_g = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
        rng = np.random.default_rng(1)
        real = lib.tensor(np.tanh(rng.standard_normal((self.batch, 3, 32, 32))).astype(dtype))
        noise = lib.tensor(rng.standard_normal((self.batch, z, 1, 1)).astype(dtype))
        ones = torch.ones(self.batch, dtype=float_type)
        zeros = torch.zeros(self.batch, dtype=float_type)

        def step():
            discriminator.zero_grad()
            loss_real = criterion(discriminator(real).view(-1), ones)
            loss_real.backward()
            fake = generator(noise)
            loss_fake = criterion(discriminator(fake.detach()).view(-1), zeros)
            loss_fake.backward()
            opt_d.step()
            generator.zero_grad()
            loss_g = criterion(discriminator(fake).view(-1), ones)
            loss_g.backward()
            opt_g.step()
            return loss_g

        return step
