"""`ember export CHECKPOINT MODEL.onnx` and `ember predict --onnx MODEL.onnx IMAGE...`: the file
carries its preprocessing, ONNX Runtime predicts as ember does, bad input gets one-line errors.
The slow test compares the trained digit recognizer on the whole MNIST test set."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import assert_one_line_error
from PIL import Image

import ember
from ember.cli.main import main
from tests.export.onnx_helpers import require_onnx

onnx = require_onnx()  # skips this module without the onnx extra (fails under CI=true)

QUICK = ["--model", "cnn", "--epochs", "1", "--limit-train", "256", "--limit-test", "100",
         "--no-plots", "--no-progress"]


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory, data_root) -> Path:
    """A checkpoint of a short CNN run, trained once for this module."""
    out = tmp_path_factory.mktemp("onnx-run")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EMBER_DATA", str(data_root))
        assert main(["train", *QUICK, "--out", str(out / "run")]) == 0
    return out / "run" / "checkpoint.safetensors"


def digit_files(directory: Path, count: int, data_root: Path) -> list[Path]:
    """MNIST test digits as black-on-white PNG files, as a user would draw them."""
    from ember.data import MNIST

    images = MNIST(data_root, train=False, download=False).data._data[:count]
    paths = []
    for i, image in enumerate(images):
        paths.append(directory / f"digit{i}.png")
        Image.fromarray(255 - image).resize((84, 84)).save(paths[-1])
    return paths


def test_export_writes_a_checked_model_with_its_preprocessing(cli, checkpoint, tmp_path,
                                                              data_root):
    target = tmp_path / "digits.onnx"
    result = cli("export", checkpoint, target)
    assert result.code == 0, result.err
    assert result.err == "" and "checked against ember in ONNX Runtime" in result.out
    model = onnx.load(target)
    onnx.checker.check_model(model, full_check=True)
    meta = {p.key: p.value for p in model.metadata_props}
    assert meta["ember.dataset"] == "mnist" and float(meta["ember.mean"]) == 0.1307
    assert json.loads(meta["ember.classes"]) == list("0123456789")
    assert "(x - 0.1307) / 0.3081" in meta["ember.preprocessing"]
    image = model.graph.input[0].type.tensor_type.shape.dim
    assert [d.dim_param or d.dim_value for d in image] == ["batch", 1, 28, 28]

    paths = digit_files(tmp_path, 6, data_root)
    theirs = cli("predict", "--top", "3", "--onnx", target, *paths)
    ours = cli("predict", "--top", "3", checkpoint, *paths)
    assert theirs.code == ours.code == 0, theirs.err + ours.err
    assert theirs.out == ours.out and len(theirs.out.splitlines()) == len(paths)
    single = cli("predict", "--onnx", target, paths[0])
    assert single.code == 0 and single.out.splitlines()[0] == ours.out.splitlines()[0].split(
        ", ")[0]


def test_export_errors(cli, checkpoint, tmp_path):
    assert_one_line_error(cli("export", tmp_path / "none.safetensors", tmp_path / "m.onnx"),
                          "none.safetensors", "does not exist")
    assert_one_line_error(cli("export", checkpoint, tmp_path / "no" / "m.onnx"),
                          "cannot write", "no directory")
    assert_one_line_error(cli("export", checkpoint, tmp_path), "is a directory")
    assert list(tmp_path.iterdir()) == []


def test_predict_onnx_errors(cli, tmp_path, data_root):
    image = digit_files(tmp_path, 1, data_root)[0]
    assert_one_line_error(cli("predict", "--onnx", tmp_path / "gone.onnx", image),
                          "gone.onnx", "does not exist")
    assert_one_line_error(cli("predict", "--onnx", image, image), "digit0.png",
                          "not a readable ONNX model")
    plain = tmp_path / "plain.onnx"
    ember.onnx.export(ember.nn.Flatten(), ember.randn(1, 1, 28, 28), plain)
    assert_one_line_error(cli("predict", "--onnx", plain, image),
                          "lacks the preprocessing metadata", "ember export")


@pytest.mark.slow
def test_onnx_runtime_predicts_the_mnist_test_set_as_ember(cli, trained, tmp_path, data_root):
    """The trained digit recognizer: ONNX Runtime's predictions on all 10,000 test images equal
    ember's, and `ember predict --onnx` prints what `ember predict` prints."""
    from ember.cli.checkpoint import load_checkpoint, restore_model
    from ember.cli.data import load_split
    from ember.onnx.verification import session

    checkpoint = trained("mnist", "cnn") / "checkpoint.safetensors"
    target = tmp_path / "digits.onnx"
    assert cli("export", checkpoint, target).code == 0
    ckpt = load_checkpoint(checkpoint)
    model = restore_model(ckpt, checkpoint).eval()
    config = ckpt["config"]
    split = load_split("mnist", train=False, mean=config.mean, std=config.std, download=False)
    images = ((split.images.astype(np.float32) / 255 - np.float32(config.mean))
              / np.float32(config.std))[:, None]
    sess = session(target)
    ours, theirs = [], []
    for start in range(0, len(images), 1000):
        batch = images[start:start + 1000]
        with ember.no_grad():
            ours.append(model(ember.tensor(batch)).numpy().argmax(1))
        theirs.append(sess.run(None, {"image": batch})[0].argmax(1))
    ours, theirs = np.concatenate(ours), np.concatenate(theirs)
    assert len(ours) == 10000 and np.array_equal(ours, theirs)
    assert (ours == split.targets).mean() > 0.97

    paths = digit_files(tmp_path, 30, data_root)
    assert cli("predict", "--onnx", target, *paths).out == cli("predict", checkpoint,
                                                               *paths).out
    assert os.path.getsize(target) > 100_000
