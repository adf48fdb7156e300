"""Train each recipe of `ember train` with ember and with PyTorch, single-threaded, side by side.

Both get the same architecture (ember/models.py, mirrored in torch below), the same images (the
arrays ember's dataset classes read, normalised the same way), and the same hyperparameters
(optimizer, LR schedule stepped per batch, batch size, epochs, a test-set score after every
epoch). Weight initialisation and shuffling draw from each library's own generator, so the
accuracies differ by run-to-run noise, not by method. Times are wall-clock: for ember the whole
`ember train` command (reading the data files and writing checkpoints included), for PyTorch
its training loop with the per-epoch scoring (the data already in memory).

    .venv/bin/python benchmarks/train_torch.py                   # every recipe (~10 minutes)
    .venv/bin/python benchmarks/train_torch.py --recipes mnist-cnn

Prints a Markdown table (the one under "Training: ember vs PyTorch" in BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from threadpoolctl import threadpool_limits
from torch import nn

import ember
from ember.cli.config import TrainConfig
from ember.cli.data import load_split
from ember.cli.main import main as ember_main

# The recipes the accuracy tests check, from their one definition.
_spec = importlib.util.spec_from_file_location(
    "cli_recipes", Path(__file__).resolve().parent.parent / "tests" / "cli" / "cli_recipes.py")
_recipes = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_recipes)
RECIPES = _recipes.RECIPES

EVAL_BATCH_SIZE = 500


def torch_model(name: str) -> nn.Module:
    """ember.models.MLP / CNN, layer for layer."""
    if name == "mlp":
        p = ember.models.MLP().dropout.p
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Dropout(p),
                             nn.Linear(512, 256), nn.ReLU(), nn.Dropout(p), nn.Linear(256, 10))
    p = ember.models.CNN().classifier[1].p
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(p), nn.Linear(64 * 5 * 5, 128), nn.ReLU(),
        nn.Dropout(p), nn.Linear(128, 10),
    )


def torch_optimizer(config: TrainConfig, net: nn.Module, steps: int):
    """What ember.cli.train.build_optimizer and build_scheduler make, in torch."""
    if config.optimizer == "sgd":
        optimizer = torch.optim.SGD(net.parameters(), lr=config.lr, momentum=config.momentum,
                                    weight_decay=config.weight_decay)
    else:
        cls = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[config.optimizer]
        optimizer = cls(net.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    total = config.epochs * steps
    schedulers = {
        "onecycle": lambda: torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=config.lr,
                                                                total_steps=total),
        "cosine": lambda: torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total),
        "none": lambda: None,
    }
    return optimizer, schedulers[config.scheduler]()


def run_ember(dataset: str, model: str, out: Path) -> tuple[float, float, int, TrainConfig]:
    """Train with `ember train`: test accuracy, seconds, epochs and the config it resolved."""
    start = time.perf_counter()
    with contextlib.redirect_stdout(sys.stderr):  # stdout is for the table
        code = ember_main(["train", "--dataset", dataset, "--model", model, "--out", str(out),
                           "--no-plots", "--no-progress", *RECIPES[dataset, model]])
    seconds = time.perf_counter() - start
    if code != 0:
        raise SystemExit(f"ember train failed with status {code}")
    ckpt = ember.load(out / "checkpoint.safetensors")
    final = ckpt["history"][-1]
    config = TrainConfig.from_dict(ckpt["config"], "checkpoint")
    return final["test_acc"], seconds, final["epoch"], config


def run_torch(config: TrainConfig) -> tuple[float, float]:
    """Train the same recipe with PyTorch: test accuracy and seconds."""

    def tensors(train: bool):
        split = load_split(config.dataset, train, mean=config.mean, std=config.std,
                           limit=config.limit_train if train else config.limit_test)
        x = (split.images.astype(np.float32) / np.float32(255) - np.float32(config.mean))
        x /= np.float32(config.std)
        return torch.from_numpy(x[:, None]), torch.from_numpy(split.targets)

    (x, y), (x_test, y_test) = tensors(True), tensors(False)
    torch.manual_seed(config.seed)
    shuffle = torch.Generator().manual_seed(config.seed)
    net = torch_model(config.model)
    optimizer, scheduler = torch_optimizer(config, net, steps=-(-len(x) // config.batch_size))
    loss_fn = nn.CrossEntropyLoss()
    start = time.perf_counter()
    for _ in range(config.epochs):
        net.train()
        order = torch.randperm(len(x), generator=shuffle)
        for i in range(0, len(x), config.batch_size):
            batch = order[i : i + config.batch_size]
            optimizer.zero_grad()
            loss = loss_fn(net(x[batch]), y[batch])
            loss.backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
        net.eval()
        with torch.no_grad():
            correct = sum(int((net(x_test[i : i + EVAL_BATCH_SIZE]).argmax(1)
                               == y_test[i : i + EVAL_BATCH_SIZE]).sum())
                          for i in range(0, len(x_test), EVAL_BATCH_SIZE))
    return correct / len(x_test), time.perf_counter() - start


def main() -> None:
    names = {f"{d}-{m}": (d, m) for d, m in RECIPES}
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipes", nargs="+", choices=list(names), default=list(names))
    args = parser.parse_args()
    torch.set_num_threads(1)
    rows = []
    with threadpool_limits(1), tempfile.TemporaryDirectory() as tmp:
        for name in args.recipes:
            dataset, model = names[name]
            print(f"{name}: ember ...", file=sys.stderr, flush=True)
            ember_acc, ember_s, epochs, config = run_ember(dataset, model, Path(tmp) / name)
            print(f"{name}: torch ...", file=sys.stderr, flush=True)
            torch_acc, torch_s = run_torch(config)
            rows.append((name, epochs, ember_acc, torch_acc, ember_s, torch_s))
    print(f"Single-threaded ({platform.processor() or platform.machine()}, "
          f"torch {torch.__version__}, numpy {np.__version__}); flags per recipe: "
          "tests/cli/cli_recipes.py.\n")
    print("| recipe | epochs | ember accuracy | PyTorch accuracy | ember time | PyTorch time "
          "| ember / PyTorch |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, epochs, ember_acc, torch_acc, ember_s, torch_s in rows:
        print(f"| {name} | {epochs} | {ember_acc:.2%} | {torch_acc:.2%} | {ember_s:.1f} s "
              f"| {torch_s:.1f} s | {ember_s / torch_s:.2f}x |")


if __name__ == "__main__":
    main()
