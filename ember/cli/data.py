"""The datasets the CLI knows, their normalisation constants and class names, and how to load a
split of one as a normalised, optionally truncated dataset."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..data import MNIST, Dataset, DatasetError, FashionMNIST, Subset
from ..data import transforms as T

__all__ = ["DATASETS", "DatasetInfo", "Split", "load_split"]


@dataclass(frozen=True)
class DatasetInfo:
    dataset_class: type[MNIST]
    mean: float  # of the training pixels scaled to [0, 1]
    std: float
    class_names: tuple[str, ...]


DATASETS: dict[str, DatasetInfo] = {
    "mnist": DatasetInfo(MNIST, 0.1307, 0.3081, tuple("0123456789")),
    "fashion-mnist": DatasetInfo(FashionMNIST, 0.2860, 0.3530, tuple(FashionMNIST.classes)),
}


@dataclass
class Split:
    dataset: Dataset  # yields (normalised 1x28x28 float32 image, label)
    images: np.ndarray  # the same images as uint8 (N, 28, 28), for plots
    targets: np.ndarray  # int64 (N,)


def normalize(mean: float, std: float) -> T.Compose:
    """The transform from uint8 images to the model's input."""
    return T.Compose([T.ToTensor(), T.Normalize((mean,), (std,))])


def load_split(
    name: str,
    train: bool,
    *,
    mean: float,
    std: float,
    root: str | Path | None = None,
    limit: int | None = None,
    download: bool = True,
) -> Split:
    """The train or test split of dataset `name`, its first `limit` samples when given.

    Missing files are downloaded (into `root`, or ember's cache) unless `download` is False;
    DatasetError says what is missing or corrupt and how to get it.
    """
    info = DATASETS[name]
    cls, transform = info.dataset_class, normalize(mean, std)
    dataset = cls(root, train=train, transform=transform, download=download)
    n = len(dataset) if limit is None else min(limit, len(dataset))
    if n == 0:
        split = "training" if train else "test"
        raise DatasetError(f"the {name} {split} set is empty; its files hold no images")
    images, targets = dataset.data._data[:n], dataset.targets._data[:n]
    if n < len(dataset):
        dataset = Subset(dataset, range(n))
    return Split(dataset, images, targets)
