"""The datasets the CLI knows, their normalisation constants and class names, and how to load a
split of one as a normalised, optionally truncated dataset, remembering where it was found."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..data import MNIST, Dataset, DatasetError, FashionMNIST, Subset
from ..data import transforms as T
from ..data.download import DownloadError
from ..data.idx import DatasetNotFoundError
from .errors import CLIError

__all__ = ["DATASETS", "DatasetInfo", "Split", "data_root", "load_split"]


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
    root: Path  # the data root it was found in: as --data-root, it is the first place searched


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
    CLIError or DatasetError says what is missing or corrupt and how to get it.
    """
    info = DATASETS[name]
    cls, transform = info.dataset_class, normalize(mean, std)
    try:
        dataset = cls(root, train=train, transform=transform, download=download)
    except DatasetNotFoundError as e:
        looked = ", ".join(str(d) for d in e.searched)
        raise CLIError(f"{cls.__name__} is not on this machine: {_how_to_get(cls)}, or drop "
                       f"--no-download to download it (looked in: {looked})") from None
    except DownloadError as e:
        raise CLIError(f"could not download {cls.__name__} (no internet?): {_how_to_get(cls)} "
                       f"(tried: {e.failures})") from None
    n = len(dataset) if limit is None else min(limit, len(dataset))
    if n == 0:
        split = "training" if train else "test"
        raise DatasetError(f"the {name} {split} set is empty; its files hold no images")
    images, targets = dataset.data._data[:n], dataset.targets._data[:n]
    found = dataset.raw_folder
    if n < len(dataset):
        dataset = Subset(dataset, range(n))
    return Split(dataset, images, targets, found.parent if found.name == cls.name else found)


def _how_to_get(cls: type[MNIST]) -> str:
    files = ", ".join(name for name, _ in cls.resources)
    apt = f", or apt-get install {cls.debian_package}" if cls.debian_package else ""
    return (f"put its four files ({files}) in DIR/{cls.name}/ and pass --data-root DIR (or set "
            f"EMBER_DATA=DIR){apt}")


def data_root(given: str | None, saved: str | None) -> str | None:
    """Where to look for a run's data first: --data-root when `given`, else the root the run
    found its data in (`saved` in its checkpoint) while that folder exists, else nowhere special
    (None: the usual search order)."""
    if given is not None:
        return given
    return saved if saved is not None and Path(saved).is_dir() else None
