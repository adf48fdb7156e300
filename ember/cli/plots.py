"""The PNG plots `ember train` leaves in its --out directory, drawn with matplotlib (Agg, no
display needed) and written atomically.

curves.png            train and test loss and accuracy per epoch
confusion_matrix.png  true class against predicted class on the test set
predictions.png       the first test images with their predicted and true labels
mistakes.png          the test images the model got wrong with the highest confidence
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._atomic import atomic_path
from .evaluate import Evaluation, confusion_matrix

__all__ = ["PLOT_NAMES", "save_plots"]

PLOT_NAMES = ("curves.png", "confusion_matrix.png", "predictions.png", "mistakes.png")


def save_plots(out: Path, history: list[dict[str, Any]], evaluation: Evaluation,
               images: np.ndarray, class_names: tuple[str, ...],
               names: Sequence[str] = PLOT_NAMES) -> list[Path]:
    """Draw the plots `names` (all by default) into `out`; `images` are the uint8 test images
    `evaluation` scored."""
    draw = {
        "curves.png": lambda: _curves(history),
        "confusion_matrix.png": lambda: _confusion(
            confusion_matrix(evaluation.targets, evaluation.predictions, len(class_names)),
            class_names),
        "predictions.png": lambda: _image_grid(
            images, evaluation, np.arange(min(36, len(images))), class_names,
            "Test images: predicted (true)", show_confidence=False),
        "mistakes.png": lambda: _image_grid(
            images, evaluation, _confident_mistakes(evaluation, 24), class_names,
            "Most confident mistakes: predicted (true), confidence", show_confidence=True),
    }
    paths = []
    for name in names:
        path = out / name
        with atomic_path(path) as tmp:
            draw[name]().savefig(tmp, dpi=100)
        paths.append(path)
    return paths


def _figure(width: float, height: float):
    # A bare Figure draws with the Agg canvas without touching pyplot's global state or backend.
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _curves(history: list[dict[str, Any]]):
    fig = _figure(10, 4)
    epochs = [row["epoch"] for row in history]
    for ax, metric, title in zip(fig.subplots(1, 2), ("loss", "acc"), ("Loss", "Accuracy")):
        for split in ("train", "test"):
            ax.plot(epochs, [row[f"{split}_{metric}"] for row in history], marker="o",
                    label=split)
        ax.set(title=title, xlabel="epoch")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.grid(alpha=0.3)
        ax.legend()
    return fig


def _confusion(counts: np.ndarray, class_names: tuple[str, ...]):
    fig = _figure(7, 6)
    ax = fig.subplots()
    image = ax.imshow(counts, cmap="Blues")
    fig.colorbar(image, ax=ax, shrink=0.8)
    ticks = np.arange(len(class_names))
    ax.set_xticks(ticks, class_names, rotation=45, ha="right")
    ax.set_yticks(ticks, class_names)
    ax.set(xlabel="predicted", ylabel="true", title="Confusion matrix (test set)")
    threshold = counts.max() / 2
    for (i, j), n in np.ndenumerate(counts):
        if n:
            ax.text(j, i, str(n), ha="center", va="center", fontsize=7,
                    color="white" if n > threshold else "black")
    return fig


def _confident_mistakes(evaluation: Evaluation, count: int) -> np.ndarray:
    wrong = np.flatnonzero(evaluation.predictions != evaluation.targets)
    order = np.argsort(-evaluation.confidences[wrong], kind="stable")
    return wrong[order[:count]]


def _image_grid(images: np.ndarray, evaluation: Evaluation, indices: np.ndarray,
                class_names: tuple[str, ...], title: str, show_confidence: bool):
    columns = 6
    rows = max(1, -(-len(indices) // columns))
    fig = _figure(columns * 1.6, rows * 1.8 + 0.4)
    fig.suptitle(title)
    axes = np.asarray(fig.subplots(rows, columns, squeeze=False)).ravel()
    for ax in axes:
        ax.set_axis_off()
    if not len(indices):
        axes[0].text(0.5, 0.5, "none", ha="center", va="center", transform=axes[0].transAxes)
    for ax, i in zip(axes, indices):
        predicted, true = evaluation.predictions[i], evaluation.targets[i]
        ax.imshow(images[i], cmap="gray_r", vmin=0, vmax=255)
        label = f"{class_names[predicted]} ({class_names[true]})"
        if show_confidence:
            label += f"\n{evaluation.confidences[i]:.0%}"
        ax.set_title(label, fontsize=8, color="tab:green" if predicted == true else "tab:red")
    return fig
