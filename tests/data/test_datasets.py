"""MNIST / FashionMNIST: where files are found, what a damaged file says, download=True, and the
real data (MNIST under EMBER_DATA, Fashion-MNIST from Debian's dataset-fashion-mnist)."""

from __future__ import annotations

import gzip
import hashlib

import numpy as np
import pytest

import ember
from ember.data import MNIST, DatasetError, FashionMNIST
from ember.data import datasets as datasets_module
from ember.data.idx import DatasetNotFoundError


@pytest.fixture
def places(tmp_path, monkeypatch):
    """Empty stand-ins for EMBER_DATA, the cache and Debian's folder, so no test sees real files."""
    dirs = {name: tmp_path / name for name in ("root", "env", "cache", "system")}
    monkeypatch.setenv("EMBER_DATA", str(dirs["env"]))
    monkeypatch.setattr(datasets_module, "CACHE_DIR", dirs["cache"])
    monkeypatch.setattr(datasets_module, "SYSTEM_DIR", dirs["system"])
    return dirs


# ---- real data ---------------------------------------------------------------------------------
TRAIN_COUNTS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.mark.parametrize("train, counts", [(True, TRAIN_COUNTS), (False, TEST_COUNTS)])
def test_real_mnist(data_root, monkeypatch, train, counts):
    monkeypatch.setenv("EMBER_DATA", str(data_root))
    ds = MNIST(train=train)
    assert len(ds) == 10000  # the local training file is a 10k subset: the header says so
    assert ds.data.shape == (10000, 28, 28) and ds.data.dtype == ember.uint8
    assert ds.targets.dtype == ember.int64
    assert np.bincount(ds.targets.numpy()).tolist() == counts
    assert ds.classes[3] == "3 - three" and ds.class_to_idx["9 - nine"] == 9
    img, target = ds[0]
    assert isinstance(img, ember.Tensor) and img.shape == (28, 28) and img.dtype == ember.uint8
    assert isinstance(target, int) and target == int(ds.targets[0].item())


def test_real_mnist_through_explicit_root(data_root, places):
    assert len(MNIST(root=data_root, train=False)) == 10000


@pytest.mark.parametrize("train, n", [(True, 60000), (False, 10000)])
def test_real_fashion_mnist_from_debian(fashion_dir, monkeypatch, tmp_path, train, n):
    monkeypatch.delenv("EMBER_DATA", raising=False)
    monkeypatch.setattr(datasets_module, "CACHE_DIR", tmp_path)  # only Debian's folder is left
    ds = FashionMNIST(train=train)
    assert ds.data.shape == (n, 28, 28)
    assert np.bincount(ds.targets.numpy()).tolist() == [n // 10] * 10
    assert ds.classes[0] == "T-shirt/top" and ds.classes[9] == "Ankle boot"


# ---- where files are looked for ----------------------------------------------------------------
def test_search_order(places, make_split):
    root = places["root"]
    layouts = [
        root / "mnist",
        root,
        root / "MNIST" / "raw",
        places["env"] / "mnist",
        places["cache"] / "mnist",
        places["system"] / "mnist",
    ]
    made = [make_split(folder, n=5 + i, seed=i) for i, folder in enumerate(layouts)]
    for i, folder in enumerate(layouts):
        ds = MNIST(root=root)
        np.testing.assert_array_equal(ds.data.numpy(), made[i][0], err_msg=str(folder))
        np.testing.assert_array_equal(ds.targets.numpy(), made[i][1])
        for f in folder.glob("train-*"):
            f.unlink()


def test_without_root_starts_at_ember_data(places, make_split):
    images, _ = make_split(places["env"] / "mnist", split="t10k")
    make_split(places["cache"] / "mnist", split="t10k", seed=9)
    np.testing.assert_array_equal(MNIST(train=False).data.numpy(), images)


def test_raw_files_are_read(places, make_split):
    images, labels = make_split(places["root"], gz=False)
    ds = MNIST(root=places["root"])
    np.testing.assert_array_equal(ds.data.numpy(), images)
    np.testing.assert_array_equal(ds.targets.numpy(), labels)


def test_a_folder_needs_both_files_of_the_split(places, make_split):
    make_split(places["root"])
    (places["root"] / "train-labels-idx1-ubyte.gz").unlink()
    images, _ = make_split(places["cache"] / "mnist", seed=4)
    np.testing.assert_array_equal(MNIST(root=places["root"]).data.numpy(), images)


@pytest.mark.parametrize("cls", [MNIST, FashionMNIST])
def test_not_found_lists_every_place_and_how_to_get_the_data(places, cls):
    with pytest.raises(DatasetError) as info:
        cls(root=places["root"], train=False)
    message = str(info.value)
    name = cls.name
    for folder in (places["root"] / name, places["root"], places["root"] / cls.__name__ / "raw",
                   places["env"] / name, places["cache"] / name, places["system"] / name):
        assert str(folder) in message
    assert "t10k-images-idx3-ubyte" in message
    # what to do comes first: the four files and where they go
    assert message.startswith(
        f"{cls.__name__}: its t10k files are not on this machine; pass download=True, or put the "
        "four files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
        f"t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) in DIR/{name}/ and set "
        "EMBER_DATA=DIR or pass root=DIR")
    assert ("apt-get install dataset-fashion-mnist" in message) == (cls is FashionMNIST)
    assert isinstance(info.value, DatasetNotFoundError) and folder in info.value.searched


def test_truncated_file_names_itself(places, make_split):
    make_split(places["root"])
    path = places["root"] / "train-images-idx3-ubyte.gz"
    data = gzip.decompress(path.read_bytes())
    path.write_bytes(gzip.compress(data[:1000]))
    with pytest.raises(DatasetError, match=r"train-images-idx3-ubyte\.gz is truncated: header "
                       r"says 20 images of 28x28 \(15680 bytes\) but the file holds 984 bytes"):
        MNIST(root=places["root"])


def test_image_and_label_counts_must_agree(places, make_split, idx_bytes):
    make_split(places["root"], n=20)
    labels = places["root"] / "train-labels-idx1-ubyte.gz"
    labels.write_bytes(gzip.compress(idx_bytes(np.zeros(19, np.uint8))))
    with pytest.raises(DatasetError, match="holds 20 images but .* holds 19 labels"):
        MNIST(root=places["root"])


def test_labels_out_of_range(places, make_split, idx_bytes):
    make_split(places["root"], n=3)
    labels = places["root"] / "train-labels-idx1-ubyte.gz"
    labels.write_bytes(gzip.compress(idx_bytes(np.array([1, 12, 3], np.uint8))))
    with pytest.raises(DatasetError, match="label 12"):
        MNIST(root=places["root"])


# ---- download=True -----------------------------------------------------------------------------
@pytest.fixture
def served_mnist(http_server, dead_url, idx_bytes):
    """A MNIST subclass whose mirrors are a dead one and then the local server, with synthetic
    files and their MD5s; returns (class, {file name: array})."""
    rng = np.random.default_rng(5)
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (30, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte.gz": rng.integers(0, 10, 30, dtype=np.uint8),
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (8, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte.gz": rng.integers(0, 10, 8, dtype=np.uint8),
    }
    resources = []
    for name, array in arrays.items():
        body = gzip.compress(idx_bytes(array), mtime=0)
        http_server.files[f"/mnist/{name}"] = body
        resources.append((name, hashlib.md5(body).hexdigest()))

    class LocalMNIST(MNIST):
        mirrors = [dead_url, http_server.url("/mnist/")]
        download_retries = 2
        download_retry_delay = 0.01

    LocalMNIST.resources = resources
    return LocalMNIST, arrays


def test_download_into_root(places, served_mnist):
    cls, arrays = served_mnist
    ds = cls(root=places["root"], train=False, download=True)
    np.testing.assert_array_equal(ds.data.numpy(), arrays["t10k-images-idx3-ubyte.gz"])
    np.testing.assert_array_equal(ds.targets.numpy(), arrays["t10k-labels-idx1-ubyte.gz"])
    assert sorted(p.name for p in (places["root"] / "mnist").iterdir()) == sorted(arrays)
    assert len(cls(root=places["root"], train=True)) == 30  # all four files came down


def test_download_into_cache_without_root(places, served_mnist, http_server):
    cls, arrays = served_mnist
    assert len(cls(download=True)) == 30
    assert (places["cache"] / "mnist" / "train-images-idx3-ubyte.gz").is_file()
    requests = len(http_server.requests)
    cls(download=True)  # found in the cache: nothing is fetched again
    assert len(http_server.requests) == requests


def test_download_with_wrong_checksum_fails_cleanly(places, served_mnist):
    cls, _ = served_mnist
    cls.resources = [(name, "0" * 32) for name, _ in cls.resources]
    with pytest.raises(DatasetError, match="MD5 checksum mismatch"):
        cls(root=places["root"], download=True)
    assert not any((places["root"] / "mnist").glob("*-ubyte.gz"))



def test_raw_folder_is_where_the_files_were_read(data_root):
    from ember.data.datasets import MNIST

    dataset = MNIST(data_root, train=False)
    assert (dataset.raw_folder / "t10k-images-idx3-ubyte.gz").exists()
