"""MNIST and Fashion-MNIST, with torchvision.datasets' signatures and attributes.

The IDX files (gzipped or raw) are looked for, in this order, in: the `root` argument (as
root/<name>/, root/ itself, or torchvision's root/<ClassName>/raw/), $EMBER_DATA/<name>,
~/.cache/ember/<name> and Debian's /usr/share/datasets/<name>, where <name> is "mnist" or
"fashion-mnist". ``download=True`` fetches missing files into root/<name> (or the cache).

Samples are ``(image, target)``: the image a uint8 HxW ember Tensor (where torchvision has a PIL
image) passed through `transform`, the target a Python int passed through `target_transform`.
A DataLoader batch is fetched with one gather and transformed with one call when the transforms
support batches (see ember.data.transforms); target_transform.batch then gets an int64 tensor.
"""

from __future__ import annotations

import operator
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..tensor import _make
from .dataset import Dataset, SampleBatch, index_array
from .download import download_url
from .idx import DatasetError, DatasetNotFoundError, read_idx
from .transforms import batchable

__all__ = ["MNIST", "FashionMNIST"]

CACHE_DIR = Path("~/.cache/ember")
SYSTEM_DIR = Path("/usr/share/datasets")  # where Debian's dataset-* packages install


class MNIST(Dataset):
    """The MNIST handwritten digits: 28x28 uint8 images, labels 0-9.

    `.data` is the uint8 NxHxW image tensor and `.targets` the int64 label tensor, with N taken
    from the file header (the training file may be a subset of the usual 60,000);
    `.raw_folder` is the folder the files were read from (torchvision's attribute).
    """

    name = "mnist"  # folder name under each search location
    # Class attributes so tests (or users behind a proxy mirror) can point downloads elsewhere.
    mirrors = [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ]
    resources = [  # file name and the MD5 that torchvision publishes for it
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    download_retries = 3
    download_retry_delay = 1.0  # seconds before the 2nd try of a mirror; doubles each try
    debian_package: str | None = None
    classes = [
        "0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
        "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine",
    ]  # fmt: skip

    def __init__(
        self,
        root: str | os.PathLike | None = None,
        train: bool = True,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
        download: bool = False,
    ) -> None:
        self.root = None if root is None else Path(root).expanduser()
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        split = "train" if train else "t10k"
        files = self._find(split)
        if files is None and download:
            self.download()
            files = self._find(split)
        if files is None:
            raise DatasetNotFoundError(self._not_found_message(split), self.search_dirs())
        images_path, labels_path = files
        # torchvision's name; here the folder the files were actually read from
        self.raw_folder = images_path.parent
        images = read_idx(images_path, 3, "images", np.uint8)
        labels = read_idx(labels_path, 1, "labels", np.uint8)
        if len(images) != len(labels):
            raise DatasetError(
                f"{images_path} holds {len(images)} images but {labels_path} holds "
                f"{len(labels)} labels; one of them is damaged, delete it and download again"
            )
        if labels.size and labels.max() >= len(self.classes):
            raise DatasetError(
                f"{labels_path} is corrupt: it holds label {labels.max()}, but "
                f"{type(self).__name__} has only {len(self.classes)} classes"
            )
        self.data = _make(images, None)
        self.targets = _make(labels.astype(np.int64), None)

    # ---- samples ------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        i, n = operator.index(index), len(self)
        if not -n <= i < n:
            raise IndexError(f"{type(self).__name__}: index {i} is out of range for {n} samples")
        img, target = _make(self.data._data[i], None), int(self.targets._data[i])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __getitems__(self, indices: Sequence[int]) -> SampleBatch | list:
        if not (batchable(self.transform) and batchable(self.target_transform)):
            return [self[i] for i in indices]
        idx = index_array(indices, len(self), type(self).__name__)
        return SampleBatch(idx, self.__getitem__, self._gather)

    def _gather(self, idx: np.ndarray) -> list:
        images, targets = _make(self.data._data[idx], None), _make(self.targets._data[idx], None)
        if self.transform is not None:
            images = self.transform.batch(images)
        if self.target_transform is not None:
            targets = self.target_transform.batch(targets)
        return [images, targets]

    @property
    def class_to_idx(self) -> dict[str, int]:
        """The class names mapped to their labels: {"0 - zero": 0, ...}."""
        return {c: i for i, c in enumerate(self.classes)}

    def __repr__(self) -> str:
        return (
            f"Dataset {type(self).__name__}\n    Number of datapoints: {len(self)}\n"
            f"    Split: {'Train' if self.train else 'Test'}"
        )

    # ---- files --------------------------------------------------------------------------
    def search_dirs(self) -> list[Path]:
        """The folders looked in for the files, in order."""
        dirs = []
        if self.root is not None:
            dirs += [self.root / self.name, self.root, self.root / type(self).__name__ / "raw"]
        if os.environ.get("EMBER_DATA"):
            dirs.append(Path(os.environ["EMBER_DATA"]).expanduser() / self.name)
        dirs += [CACHE_DIR.expanduser() / self.name, SYSTEM_DIR / self.name]
        return list(dict.fromkeys(dirs))  # without repeats, e.g. when root is the cache

    def download_dir(self) -> Path:
        """The directory that download() writes into: root/<name>, or the cache directory's <name>
        when root is None."""
        return (self.root if self.root is not None else CACHE_DIR.expanduser()) / self.name

    def download(self) -> None:
        """Fetch every file of `resources` missing from download_dir(), verifying its MD5."""
        target = self.download_dir()
        for filename, md5 in self.resources:
            if not (target / filename).exists():
                print(f"Downloading {filename} into {target}", flush=True)  # as torchvision does
                download_url(
                    [mirror + filename for mirror in self.mirrors],
                    target / filename,
                    md5,
                    retries=self.download_retries,
                    retry_delay=self.download_retry_delay,
                )

    def _find(self, split: str) -> tuple[Path, Path] | None:
        """The image and label files of `split` from the first folder holding both."""
        for folder in self.search_dirs():
            images = _existing(folder / f"{split}-images-idx3-ubyte")
            labels = _existing(folder / f"{split}-labels-idx1-ubyte")
            if images and labels:
                return images, labels
        return None

    def _not_found_message(self, split: str) -> str:
        cls = type(self).__name__
        places = ", ".join(str(d) for d in self.search_dirs())
        files = ", ".join(name for name, _ in self.resources)
        apt = f", or apt-get install {self.debian_package}" if self.debian_package else ""
        return (
            f"{cls}: its {split} files are not on this machine; pass download=True, or put the "
            f"four files ({files}) in DIR/{self.name}/ and set EMBER_DATA=DIR or pass "
            f"root=DIR{apt} (looked for {split}-images-idx3-ubyte[.gz] and "
            f"{split}-labels-idx1-ubyte[.gz] in {places})"
        )


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: 28x28 uint8 images of clothing in 10 classes, 60,000 for training
    and 10,000 for testing."""

    name = "fashion-mnist"
    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    debian_package = "dataset-fashion-mnist"
    classes = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ]  # fmt: skip


def _existing(path: Path) -> Path | None:
    """`path` itself, else its .gz, whichever exists (raw first: it reads faster)."""
    for candidate in (path, path.with_name(path.name + ".gz")):
        if candidate.is_file():
            return candidate
    return None
