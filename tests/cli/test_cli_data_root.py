"""A run remembers where it found its dataset: `evaluate`, `plot` and `--resume` look there first,
so the commands shown after `make train` work on a machine without internet even where only the
Makefile knew where the data was."""

from __future__ import annotations

import gzip
import shutil

import numpy as np
import pytest
from cli_helpers import assert_one_line_error

import ember

FLAGS = ["--model", "mlp", "--scheduler", "none", "--limit-train", "256", "--limit-test", "100",
         "--no-plots", "--no-progress"]


@pytest.fixture
def run_with_moved_data(cli, data_root, tmp_path, monkeypatch, request):
    """A one-epoch run trained with EMBER_DATA pointing at a copy of MNIST; after it, EMBER_DATA,
    the cache and the system folder are all empty and downloads fail (no internet)."""
    copy = tmp_path / "data"
    shutil.copytree(data_root / "mnist", copy / "mnist")
    monkeypatch.setenv("EMBER_DATA", str(copy))
    out = tmp_path / "run"
    assert cli("train", *FLAGS, "--epochs", "1", "--out", out).code == 0
    request.getfixturevalue("no_mnist_anywhere")
    return out, copy


def test_the_checkpoint_holds_the_data_root(run_with_moved_data):
    out, copy = run_with_moved_data
    assert ember.load(out / "checkpoint.safetensors")["data_root"] == str(copy)


def test_evaluate_resume_and_plot_find_the_data_without_being_told(cli, run_with_moved_data):
    out, _ = run_with_moved_data
    checkpoint = out / "checkpoint.safetensors"
    result = cli("evaluate", checkpoint, "--limit", "50")
    assert result.code == 0 and "test accuracy" in result.out, result.err
    result = cli("train", "--out", out, "--resume", "--epochs", "2", "--no-progress")
    assert result.code == 0 and "resuming at epoch 2 batch 0" in result.out, result.err
    result = cli("plot", out)
    assert result.code == 0 and "curves.png" in result.out, result.err


def test_an_explicit_data_root_comes_first(cli, run_with_moved_data, tmp_path):
    out, _ = run_with_moved_data
    other = tmp_path / "other" / "mnist"
    other.mkdir(parents=True)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (30, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, 30, dtype=np.uint8)
    for name, array in (("t10k-images-idx3-ubyte.gz", images), ("t10k-labels-idx1-ubyte.gz",
                                                                labels)):
        header = bytes([0, 0, 8, array.ndim]) + np.array(array.shape, ">u4").tobytes()
        (other / name).write_bytes(gzip.compress(header + array.tobytes()))
    result = cli("evaluate", out / "checkpoint.safetensors", "--data-root", other.parent)
    assert result.code == 0 and "30 mnist test images" in result.out, result.err


def test_a_data_root_that_is_gone_falls_back_to_the_usual_search(cli, run_with_moved_data,
                                                                  tmp_path):
    out, copy = run_with_moved_data
    shutil.rmtree(copy)
    result = cli("evaluate", out / "checkpoint.safetensors", "--no-download")
    assert_one_line_error(result, "MNIST is not on this machine", str(tmp_path / "empty"))
    assert str(copy) not in result.err

