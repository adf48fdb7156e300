"""What each row computes, built for each library from the same data.

ember and PyTorch share one builder per workload (`framework`): the code is PyTorch's API with
the module swapped, which is the point of ember. `numpy` builds the hand-written floor. A builder
returns a no-argument step; the harness calls it once to check that the libraries agree, then
times it.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from types import ModuleType

import numpy as np

from .numpy_models import NumpyCNN, NumpyMLP, cross_entropy

Step = Callable[[], object]


@dataclass(frozen=True)
class Framework:
    """ember or torch, seen through the API they share."""

    name: str
    mod: ModuleType

    def tensor(self, array: np.ndarray, requires_grad: bool = False):
        t = self.mod.from_numpy(array)
        return t.requires_grad_() if requires_grad else t

    def load(self, module, arrays: list[np.ndarray]) -> None:
        """Give `module` these parameter values (and their dtype), in parameters() order."""
        params = list(module.parameters())
        if len(params) != len(arrays):
            raise RuntimeError(f"bench: {type(module).__name__} has {len(params)} parameters, "
                               f"expected {len(arrays)}")
        for p, a in zip(params, arrays):
            # .data replaces the contents, as in PyTorch
            p.data = self.mod.from_numpy(a)


class Workload:
    """A row's computation. `numpy` is None for workloads with no hand-written NumPy floor.
    `compare`: whether every library's first result must agree with the floor's."""

    compare = True

    def framework(self, lib: Framework, dtype: np.dtype) -> Step:
        raise NotImplementedError

    def numpy(self, dtype: np.dtype) -> Step:
        raise NotImplementedError


def _rng() -> np.random.Generator:
    return np.random.default_rng(0)  # every library gets the same data


def _normal(shape: tuple, dtype: np.dtype) -> np.ndarray:
    return _rng().standard_normal(shape).astype(dtype)


_BINARY = {"add": operator.add, "mul": operator.mul, "matmul": operator.matmul}


@dataclass(frozen=True)
class Binary(Workload):
    """a <op> b on two n×n tensors, no autograd."""

    op: str
    n: int

    def _operands(self, dtype):
        both = _normal((2, self.n, self.n), dtype)
        return both[0], both[1]

    def framework(self, lib, dtype):
        a, b = self._operands(dtype)
        return partial(_BINARY[self.op], lib.tensor(a), lib.tensor(b))

    def numpy(self, dtype):
        return partial(_BINARY[self.op], *self._operands(dtype))


@dataclass(frozen=True)
class Relu(Workload):
    n: int

    def framework(self, lib, dtype):
        return partial(lib.mod.relu, lib.tensor(_normal((self.n, self.n), dtype)))

    def numpy(self, dtype):
        return partial(np.maximum, _normal((self.n, self.n), dtype), 0)


@dataclass(frozen=True)
class Overhead(Workload):
    """A 1-element add that autograd records: the fixed cost every op pays."""

    backward: bool

    def framework(self, lib, dtype):
        a = lib.tensor(np.ones(1, dtype), requires_grad=True)
        b = lib.tensor(np.ones(1, dtype), requires_grad=True)
        if not self.backward:
            return partial(operator.add, a, b)

        def forward_backward():
            out = a + b
            out.backward()
            return out

        return forward_backward

    def numpy(self, dtype):
        a, b = np.ones(1, dtype), np.ones(1, dtype)
        if not self.backward:
            return partial(operator.add, a, b)
        grad_a, grad_b = np.zeros(1, dtype), np.zeros(1, dtype)

        def forward_backward():
            out = a + b
            grad = np.ones_like(out)
            np.add(grad_a, grad, out=grad_a)
            np.add(grad_b, grad, out=grad_b)
            return out

        return forward_backward


def _uniform(rng, fan_in: int, shape: tuple, dtype) -> np.ndarray:
    bound = 1 / math.sqrt(fan_in)  # PyTorch's default init range
    return rng.uniform(-bound, bound, shape).astype(dtype)


def _linear_params(rng, sizes: tuple[int, ...], dtype) -> list[np.ndarray]:
    params = []
    for n_in, n_out in zip(sizes, sizes[1:]):
        params += [_uniform(rng, n_in, (n_out, n_in), dtype), _uniform(rng, n_in, (n_out,), dtype)]
    return params


def _batch(rng, shape: tuple, classes: int, dtype) -> tuple[np.ndarray, np.ndarray]:
    return rng.standard_normal(shape).astype(dtype), rng.integers(0, classes, shape[0])


@dataclass(frozen=True)
class LinearForward(Workload):
    batch: int
    n_in: int
    n_out: int

    def _data(self, dtype):
        rng = _rng()
        params = _linear_params(rng, (self.n_in, self.n_out), dtype)
        return params, _batch(rng, (self.batch, self.n_in), self.n_out, dtype)[0]

    def framework(self, lib, dtype):
        params, x = self._data(dtype)
        layer = lib.mod.nn.Linear(self.n_in, self.n_out)
        lib.load(layer, params)
        return partial(layer, lib.tensor(x))

    def numpy(self, dtype):
        (w, b), x = self._data(dtype)
        w_t = w.T

        def linear():
            out = x @ w_t
            out += b
            return out

        return linear


@dataclass(frozen=True)
class CrossEntropy(Workload):
    """nn.CrossEntropyLoss forward on logits that require grad (as in training)."""

    batch: int
    classes: int

    def framework(self, lib, dtype):
        logits, target = _batch(_rng(), (self.batch, self.classes), self.classes, dtype)
        loss = lib.mod.nn.CrossEntropyLoss()
        return partial(loss, lib.tensor(logits, requires_grad=True), lib.tensor(target))

    def numpy(self, dtype):
        logits, target = _batch(_rng(), (self.batch, self.classes), self.classes, dtype)
        return partial(cross_entropy, logits, target, np.arange(self.batch))


def _training(lib: Framework, model, x, y, lr: float | None) -> Step:
    """zero_grad, forward, cross-entropy, backward, and an SGD step unless lr is None."""
    loss_fn = lib.mod.nn.CrossEntropyLoss()
    x, y = lib.tensor(x), lib.tensor(y)
    if lr is None:
        def forward_backward():
            model.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            return loss

        return forward_backward
    opt = lib.mod.optim.SGD(model.parameters(), lr=lr)

    def train_step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return train_step


@dataclass(frozen=True)
class MLP(Workload):
    """Linear-ReLU MLP with cross-entropy: forward+backward, plus an SGD step if lr is set."""

    sizes: tuple[int, ...]
    batch: int
    lr: float | None = None

    def _data(self, dtype):
        rng = _rng()
        params = _linear_params(rng, self.sizes, dtype)
        return params, *_batch(rng, (self.batch, self.sizes[0]), self.sizes[-1], dtype)

    def framework(self, lib, dtype):
        params, x, y = self._data(dtype)
        nn = lib.mod.nn
        layers = []
        for n_in, n_out in zip(self.sizes, self.sizes[1:]):
            layers += [nn.Linear(n_in, n_out), nn.ReLU()]
        model = nn.Sequential(*layers[:-1])
        lib.load(model, params)
        return _training(lib, model, x, y, self.lr)

    def numpy(self, dtype):
        mlp = NumpyMLP(*self._data(dtype), lr=self.lr or 0.0)
        return mlp.forward_backward if self.lr is None else mlp.train_step


@dataclass(frozen=True)
class MnistCNN(Workload):
    """A training step of the MNIST CNN (see NumpyCNN for the layers)."""

    batch: int
    lr: float

    def _data(self, dtype):
        rng = _rng()
        params = [_uniform(rng, 9, (32, 1, 3, 3), dtype), _uniform(rng, 9, (32,), dtype),
                  _uniform(rng, 288, (64, 32, 3, 3), dtype), _uniform(rng, 288, (64,), dtype),
                  *_linear_params(rng, (1600, 10), dtype)]
        return params, *_batch(rng, (self.batch, 1, 28, 28), 10, dtype)

    def framework(self, lib, dtype):
        params, x, y = self._data(dtype)
        nn = lib.mod.nn
        model = nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(1600, 10))
        lib.load(model, params)
        return _training(lib, model, x, y, self.lr)

    def numpy(self, dtype):
        return NumpyCNN(*self._data(dtype), lr=self.lr).train_step
