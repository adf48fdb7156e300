"""Time to accuracy: train the same recipe with ember and with PyTorch until the test accuracy
reaches a target, and report the wall-clock training time each library needed.

The recipes are those of the accuracy tests (tests/cli/cli_recipes.py, the flags of `ember
train`): the MNIST CNN on the 10k-image training subset to 98%, and the CNN on Fashion-MNIST to
91%. Both libraries run one loop, written once against PyTorch's API: the same architecture
(ember.models, mirrored layer for layer in benchmarks/train_torch.py), the same initial weights
(ember's, copied into the PyTorch model), the same batches in the same order, the same optimizer
and learning-rate schedule (over the recipe's epochs); only the dropout masks differ. The test
set is scored every --eval-every steps with the clock stopped, and a run stops at the first
score at or above the target (or after the recipe's epochs). One thread each.

    .venv/bin/python benchmarks/time_to_accuracy.py                  # both recipes
    .venv/bin/python benchmarks/time_to_accuracy.py --recipes mnist-cnn --eval-every 50

Prints a Markdown table (the one under "Time to accuracy" in BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import importlib.util
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import numpy as np
import torch
from threadpoolctl import threadpool_limits

import ember
from ember.cli import train as ember_train
from ember.cli.config import TrainConfig, resolve_config
from ember.cli.data import load_split
from ember.cli.errors import CLIError

_HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("train_torch", _HERE / "train_torch.py")
train_torch = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(train_torch)

TARGETS = {"mnist-cnn": 0.98, "fashion-mnist-cnn": 0.91}  # issue 11's
EVAL_BATCH_SIZE = 500


def recipe_config(name: str) -> TrainConfig:
    """The TrainConfig `ember train` resolves for the recipe's flags."""
    dataset, model = name.rsplit("-", 1)
    parser = argparse.ArgumentParser()
    ember_train.add_parser(parser.add_subparsers())
    args = parser.parse_args(["train", "--dataset", dataset, "--model", model,
                              *train_torch.RECIPES[dataset, model]])
    return resolve_config(args, None)


def arrays(config: TrainConfig, train: bool) -> tuple[np.ndarray, np.ndarray]:
    """Images normalised as `ember train` does, shaped (N, 1, 28, 28), and their labels."""
    split = load_split(config.dataset, train, mean=config.mean, std=config.std,
                       limit=config.limit_train if train else config.limit_test, download=False)
    x = split.images.astype(np.float32) / np.float32(255) - np.float32(config.mean)
    x /= np.float32(config.std)
    return np.ascontiguousarray(x[:, None]), split.targets.astype(np.int64)


@dataclass
class Result:
    seconds: float  # training time until the target was reached (or the run ended)
    steps: int
    epochs: float
    accuracy: float  # the last score
    reached: bool


def build(lib: ModuleType, config: TrainConfig, initial: list[np.ndarray], steps: int):
    """The model (with the given initial weights), optimizer and schedule in `lib`."""
    net = ember.models.MODELS[config.model]() if lib is ember else train_torch.torch_model(
        config.model)
    params = list(net.parameters())
    with lib.no_grad():
        for p, value in zip(params, initial, strict=True):
            p.copy_(lib.from_numpy(value.copy()))
    if lib is ember:
        optimizer = ember_train.build_optimizer(config, params)
        return net, optimizer, ember_train.build_scheduler(config, optimizer, steps)
    return net, *train_torch.torch_optimizer(config, net, steps)


def accuracy(lib: ModuleType, net, x, y) -> float:
    net.eval()
    correct = 0
    with lib.no_grad():
        for i in range(0, len(x), EVAL_BATCH_SIZE):
            predicted = net(x[i:i + EVAL_BATCH_SIZE]).argmax(1)
            correct += int((predicted == y[i:i + EVAL_BATCH_SIZE]).sum())
    net.train()
    return correct / len(x)


def train_to(lib: ModuleType, config: TrainConfig, data, initial, target: float,
             eval_every: int) -> Result:
    (x, y), (x_test, y_test) = ((lib.from_numpy(a), lib.from_numpy(b)) for a, b in data)
    n, batch = len(x), config.batch_size
    steps_per_epoch = -(-n // batch)
    net, optimizer, scheduler = build(lib, config, initial, steps_per_epoch)
    loss_fn = lib.nn.CrossEntropyLoss()
    order_rng = np.random.default_rng(config.seed)  # the same batches for both libraries
    seconds, step, score = 0.0, 0, 0.0
    net.train()
    for _ in range(config.epochs):
        order = lib.from_numpy(order_rng.permutation(n))
        for i in range(0, n, batch):
            start = time.perf_counter()
            index = order[i:i + batch]
            optimizer.zero_grad()
            loss = loss_fn(net(x[index]), y[index])
            loss.backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            seconds += time.perf_counter() - start
            step += 1
            if step % eval_every == 0 or step == steps_per_epoch * config.epochs:
                score = accuracy(lib, net, x_test, y_test)
                if score >= target:
                    return Result(seconds, step, step / steps_per_epoch, score, True)
    return Result(seconds, step, step / steps_per_epoch, score, False)


def _cell(r: Result) -> str:
    if not r.reached:
        return f"not reached in {r.epochs:.2f} epochs ({r.seconds:.1f} s, {r.accuracy:.2%})"
    return f"{r.seconds:.1f} s ({r.steps} steps, {r.epochs:.2f} epochs, {r.accuracy:.2%})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipes", nargs="+", choices=list(TARGETS), default=list(TARGETS))
    parser.add_argument("--eval-every", type=int, default=40, metavar="STEPS",
                        help="score the test set every STEPS training steps (default 40)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    lines = []
    with threadpool_limits(1):
        for name in args.recipes:
            config = recipe_config(name)
            try:
                data = (arrays(config, True), arrays(config, False))
            except CLIError as e:
                print(f"{name}: skipped: {e}", file=sys.stderr)
                lines.append(f"| {name} | {TARGETS[name]:.0%} | no data on this machine | | |")
                continue
            ember.manual_seed(config.seed)
            initial = [p._data.copy() for p in ember.models.MODELS[config.model]().parameters()]
            results = {}
            for lib in (ember, torch):
                print(f"{name}: {lib.__name__} ...", file=sys.stderr, flush=True)
                lib.manual_seed(config.seed)
                results[lib.__name__] = train_to(lib, config, data, initial, TARGETS[name],
                                                 args.eval_every)
            e, t = results["ember"], results["torch"]
            ratio = f"{e.seconds / t.seconds:.2f}x" if e.reached and t.reached else "—"
            lines.append(f"| {name} | {TARGETS[name]:.0%} | {_cell(e)} | {_cell(t)} | {ratio} |")
            print(lines[-1], file=sys.stderr, flush=True)  # a long run's results so far
    print(f"One thread each ({platform.processor() or platform.machine()}, ember "
          f"{ember.__version__}, torch {torch.__version__}, numpy {np.__version__}); the test set "
          f"scored every {args.eval_every} steps, with the clock stopped.\n")
    print("| recipe | target | ember | PyTorch | ember / PyTorch |")
    print("|---|---:|---|---|---:|")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
