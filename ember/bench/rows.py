"""The rows of the benchmark table: what each measures, its target, and the seed's figure."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

from .programs import DCGAN, GPT, ExamplesCNN, LSTMLanguageModel, Program, ResNet18
from .workloads import (
    MLP,
    Binary,
    CrossEntropy,
    LinearForward,
    MnistCNN,
    Overhead,
    Relu,
    Workload,
)

LIBS = ("ember", "numpy", "torch")
BASELINES = ("numpy", "torch")


@dataclass(frozen=True)
class Target:
    """A goal for ember against one baseline, judged on the times the report compares (the
    minima by default, --stat median).

    kind "time": ember's time ÷ the baseline's ≤ value. "speed": ember's samples/s ÷ the
    baseline's ≥ value. "extra": ember's time − the baseline's ≤ value seconds.
    """

    baseline: str
    kind: str
    value: float

    @property
    def label(self) -> str:
        short = {"numpy": "np", "torch": "torch"}[self.baseline]
        if self.kind == "time":
            return f"≤{self.value:g}× {short} time"
        if self.kind == "speed":
            return f"≥{self.value:g}× {short} samples/s"
        return f"≤ {short} + {self.value * 1e6:g} µs"

    def met(self, ember_s: float, baseline_s: float) -> bool:
        if self.kind == "time":
            return ember_s / baseline_s <= self.value
        if self.kind == "speed":
            return baseline_s / ember_s >= self.value
        return ember_s - baseline_s <= self.value


@dataclass(frozen=True)
class Row:
    name: str
    label: str
    workload: Workload
    targets: tuple[Target, ...] = ()  # every one must be met
    batch: int | None = None  # set for rows reported as samples/s
    published_s: float | None = None  # the seed's figure (float64, Go, another machine)

    @property
    def program(self) -> bool:
        """A whole program's training step: seconds a step, so left out of --quick runs."""
        return isinstance(self.workload, Program)

    @property
    def unit(self) -> str:
        return "samples/s" if self.batch else "s"


_SIZES = (128, 512, 1024)
# The seed's published times in seconds, for 128², 512², 1024².
_SEED = {
    "add": (187.6e-6, 2.327e-3, 9.558e-3),
    "mul": (126.7e-6, 2.257e-3, 10.68e-3),
    "matmul": (8.515e-3, 1.157, 15.78),
    "relu": (226.4e-6, 4.192e-3, 6.267e-3),
}


def _op_rows() -> list[Row]:
    rows = []
    for op, seed in _SEED.items():
        target = Target("numpy", "time", 1.05 if op == "matmul" else 1.3)
        for n, published in zip(_SIZES, seed):
            workload = Relu(n) if op == "relu" else Binary(op, n)
            rows.append(Row(f"{op}/{n}", f"{op} {n}×{n}", workload, (target,),
                            published_s=published))
    return rows


# Issue 11's targets: every whole program at PyTorch's step time or better, the MLP step at
# 1.5x PyTorch's samples/s and within 1.25x of the hand-written NumPy step.
_BEAT_TORCH = (Target("torch", "time", 1.0),)


def _mlp_targets(torch_speed: float, numpy_time: float | None = None) -> tuple[Target, ...]:
    near_numpy = () if numpy_time is None else (Target("numpy", "time", numpy_time),)
    return (Target("torch", "speed", torch_speed), *near_numpy)


ROWS: tuple[Row, ...] = (
    *_op_rows(),
    Row("linear/b32", "Linear forward 32×128→10", LinearForward(32, 128, 10), _BEAT_TORCH,
        published_s=310.5e-6),
    Row("cross_entropy/b32", "CrossEntropyLoss 32×10", CrossEntropy(32, 10), _BEAT_TORCH,
        published_s=40.0e-6),
    Row("mlp_fwd_bwd/b32", "MLP 128-256-10 fwd+bwd, batch 32", MLP((128, 256, 10), 32),
        _BEAT_TORCH, published_s=28.68e-3),
    Row("mlp_train/b32", "MLP 784-128-10 train step, batch 32", MLP((784, 128, 10), 32, 0.01),
        _mlp_targets(1.5, 1.25), batch=32),
    Row("mlp_train/b128", "MLP 784-128-10 train step, batch 128",
        MLP((784, 128, 10), 128, 0.01), _mlp_targets(1.3), batch=128),
    Row("mlp_train/b512", "MLP 784-128-10 train step, batch 512",
        MLP((784, 128, 10), 512, 0.01), _mlp_targets(1.0), batch=512),
    Row("cnn_train/b64", "MNIST CNN train step, batch 64", MnistCNN(64, 0.01), _BEAT_TORCH),
    Row("overhead/fwd", "1-element add, autograd on: forward", Overhead(backward=False),
        (Target("numpy", "extra", 1.0e-6),)),
    Row("overhead/fwd_bwd", "1-element add, autograd on: fwd+bwd", Overhead(backward=True)),
    Row("examples_cnn/b64", "pytorch/examples MNIST net train step, batch 64", ExamplesCNN(64),
        _BEAT_TORCH),
    Row("resnet/b32", "ResNet-18 (CIFAR) train step, batch 32", ResNet18(32), _BEAT_TORCH),
    Row("gpt/b16", "GPT 4×4×128, context 64, train step, batch 16", GPT(16), _BEAT_TORCH),
    Row("lstm_lm/b20", "2-layer LSTM LM 256, seq 35, vocab 10k, train step, batch 20",
        LSTMLanguageModel(20), _BEAT_TORCH),
    Row("dcgan/b32", "DCGAN iteration (D and G) 32×32, 32 channels, batch 32", DCGAN(32),
        _BEAT_TORCH),
)

NAMES = tuple(row.name for row in ROWS)


def select(patterns: list[str] | None, skip_programs: bool = False) -> list[Row]:
    """Rows matching any pattern: an exact name, a glob (matmul/*), or a prefix (mlp). No
    pattern: every row, but the whole programs when skip_programs (--quick)."""
    if not patterns:
        return [row for row in ROWS if not (skip_programs and row.program)]
    unknown = [p for p in patterns if not any(_matches(row.name, p) for row in ROWS)]
    if unknown:
        raise ValueError(f"bench: no row matches {', '.join(map(repr, unknown))}; "
                         f"the rows are: {', '.join(NAMES)}")
    return [row for row in ROWS if any(_matches(row.name, p) for p in patterns)]


def _matches(name: str, pattern: str) -> bool:
    return name == pattern or fnmatch.fnmatchcase(name, pattern) or name.startswith(pattern)
