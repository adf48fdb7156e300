"""`ember evaluate CHECKPOINT`: test accuracy, per-class accuracy and the confusion matrix; and
the scoring that `ember train` runs after every epoch."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .. import nn
from ..autograd import no_grad
from ..data import DataLoader
from ..nn import functional as F
from .argtypes import add_threads_argument, positive_int
from .checkpoint import load_checkpoint, plural, restore_model
from .data import DATASETS, data_root, load_split
from .progress import progress_bar

__all__ = ["Evaluation", "add_parser", "confusion_matrix", "evaluate_model"]

EVAL_BATCH_SIZE = 500


@dataclass
class Evaluation:
    loss: float  # mean cross-entropy
    accuracy: float  # fraction correct
    predictions: np.ndarray  # predicted class per sample
    confidences: np.ndarray  # the softmax probability of the predicted class
    targets: np.ndarray


def evaluate_model(
    model: nn.Module,
    loader: DataLoader,
    *,
    show_progress: bool | None = None,
    stop: Callable[[], bool] = lambda: False,
) -> Evaluation | None:
    """Score `model` on every batch of `loader` (in eval mode, without autograd); None when
    `stop()` turns true before the end (Ctrl-C)."""
    was_training = model.training
    model.eval()
    loss_sum, predictions, confidences, targets = 0.0, [], [], []
    try:
        with no_grad(), progress_bar(len(loader.dataset), "test", show_progress) as bar:
            for x, y in loader:
                logits = model(x)
                loss_sum += F.cross_entropy(logits, y, reduction="sum").item()
                confidence, predicted = logits.softmax(dim=1).max(dim=1)
                predictions.append(predicted.numpy())
                confidences.append(confidence.numpy())
                targets.append(y.numpy())
                bar.update(len(y))
                if stop():
                    return None
    finally:
        model.train(was_training)
    predicted, target = np.concatenate(predictions), np.concatenate(targets)
    return Evaluation(loss=loss_sum / len(target), accuracy=float(np.mean(predicted == target)),
                      predictions=predicted, confidences=np.concatenate(confidences),
                      targets=target)


def confusion_matrix(targets: np.ndarray, predictions: np.ndarray, num_classes: int) -> np.ndarray:
    """counts[t, p]: how many samples of true class t were predicted as p."""
    flat = targets.astype(np.int64) * num_classes + predictions
    return np.bincount(flat, minlength=num_classes**2).reshape(num_classes, num_classes)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "evaluate", help="score a checkpoint on a test set",
        description="Print the test accuracy, the accuracy per class and the confusion matrix "
                    "of a checkpoint written by `ember train`.")
    p.add_argument("checkpoint", help="a checkpoint.safetensors written by `ember train`")
    p.add_argument("--dataset", choices=sorted(DATASETS),
                   help="the test set to score on (default: the one the model was trained on)")
    p.add_argument("--data-root", metavar="DIR", help="where to look for the dataset files "
                   "first (default: where the run found them)")
    add_threads_argument(p)
    p.add_argument("--limit", type=positive_int, metavar="N",
                   help="score the first N test images only")
    p.add_argument("--batch-size", type=positive_int, default=EVAL_BATCH_SIZE, metavar="B")
    p.add_argument("--no-download", action="store_true", help="fail instead of downloading "
                   "a missing dataset")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    ckpt = load_checkpoint(args.checkpoint)
    config = ckpt["config"]
    model = restore_model(ckpt, args.checkpoint)
    dataset = args.dataset or config.dataset
    # Where the run found its data is worth trying only for the same dataset: a folder holding
    # MNIST's files under their standard names would pass for Fashion-MNIST's.
    saved_root = ckpt.get("data_root") if dataset == config.dataset else None
    test = load_split(dataset, train=False, mean=config.mean, std=config.std,
                      root=data_root(args.data_root, saved_root), limit=args.limit,
                      download=not args.no_download)
    loader = DataLoader(test.dataset, batch_size=args.batch_size)
    result = evaluate_model(model, loader)
    assert result is not None  # nothing stops an evaluation that has no stop condition
    names = DATASETS[dataset].class_names
    counts = confusion_matrix(result.targets, result.predictions, len(names))
    correct, n = int(np.trace(counts)), len(result.targets)
    note = "" if dataset == config.dataset else f" (the model was trained on {config.dataset})"
    print(f"{config.model} trained {plural(ckpt['epoch'], 'epoch')} on {config.dataset}; "
          f"{n} {dataset} test images{note}")
    print(f"test accuracy: {result.accuracy:.2%} ({correct}/{n}), loss {result.loss:.4f}")
    print("accuracy per class:")
    labels = [name if name == str(i) else f"{i} {name}" for i, name in enumerate(names)]
    width = max(map(len, labels))
    for i, label in enumerate(labels):
        total = int(counts[i].sum())
        accuracy = f"{counts[i, i] / total:7.2%}" if total else "      -"
        print(f"  {label:<{width}}  {accuracy}  ({counts[i, i]}/{total})")
    print("confusion matrix (rows: true class, columns: predicted class):")
    cell = max(len(str(counts.max())), 2) + 1
    print("     " + "".join(f"{j:>{cell}}" for j in range(len(names))))
    for i, row in enumerate(counts):
        print(f"  {i:>2} " + "".join(f"{v:>{cell}}" for v in row))
    return 0
