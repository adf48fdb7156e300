"""Bad input to `ember`: one line `ember: error: ...` (exit 1) or a usage error (exit 2), never a
traceback, and never a lost or overwritten checkpoint."""

from __future__ import annotations

import gzip
import shutil

import pytest
from cli_helpers import assert_one_line_error

import ember

QUICK = ["--model", "mlp", "--epochs", "1", "--limit-train", "256", "--limit-test", "100",
         "--no-plots", "--no-progress"]


@pytest.fixture
def run_dir(cli, tmp_path):
    """An --out directory holding the checkpoint of a finished one-epoch run."""
    out = tmp_path / "run"
    assert cli("train", *QUICK, "--out", out).code == 0
    return out


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["train", "--epochs", "0"], "--epochs"),
        (["train", "--lr", "fast"], "--lr"),
        (["train", "--model", "resnet"], "--model"),
        (["train", "--optimiser", "sgd"], "--optimiser"),
        (["train", "--resume", "--overwrite"], "--overwrite"),
        (["predict", "ckpt.safetensors"], "IMAGE"),
        (["fly"], "fly"),
    ],
)
def test_usage_errors_exit_2(cli, args, fragment):
    result = cli(*args)
    assert result.code == 2
    assert "usage: ember" in result.err and fragment in result.err.splitlines()[-1]
    assert "Traceback" not in result.err


def test_no_command_prints_help_and_exits_2(cli):
    result = cli()
    assert result.code == 2 and "train" in result.err and "predict" in result.err


HOW_TO_GET_MNIST = (
    "put its four files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
    "t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) in DIR/mnist/ and pass --data-root "
    "DIR (or set EMBER_DATA=DIR)"
)


def test_missing_dataset_without_download_says_first_what_to_do(cli, no_mnist_anywhere,
                                                                 tmp_path):
    result = cli("train", *QUICK, "--out", tmp_path / "run", "--no-download")
    assert_one_line_error(result, "EMBER_DATA", str(tmp_path / "cache" / "mnist"))
    assert result.err.startswith(f"ember: error: MNIST is not on this machine: {HOW_TO_GET_MNIST}"
                                 ", or drop --no-download to download it (looked in: ")
    assert "download=True" not in result.err
    assert not (tmp_path / "run").exists()


def test_missing_dataset_whose_download_fails_says_first_what_to_do(cli, no_mnist_anywhere,
                                                                    tmp_path):
    result = cli("train", *QUICK, "--out", tmp_path / "run")
    assert_one_line_error(result, "http://127.0.0.1:9/train-images-idx3-ubyte.gz")
    assert result.err.startswith(
        f"ember: error: could not download MNIST (no internet?): {HOW_TO_GET_MNIST} (tried: ")
    assert "download=True" not in result.err and "<dataset>" not in result.err


def test_corrupt_idx_file(cli, data_root, tmp_path):
    root = tmp_path / "data"
    shutil.copytree(data_root / "mnist", root / "mnist")
    images = root / "mnist" / "train-images-idx3-ubyte.gz"
    images.write_bytes(gzip.compress(b"\x00\x00\x08\x03" + b"\x00" * 7))  # header cut short
    result = cli("train", *QUICK, "--out", tmp_path / "run", "--data-root", root)
    assert_one_line_error(result, "train-images-idx3-ubyte")


def test_existing_checkpoint_is_not_overwritten_without_a_flag(cli, run_dir):
    before = (run_dir / "checkpoint.safetensors").read_bytes()
    result = cli("train", *QUICK, "--out", run_dir)
    assert_one_line_error(result, "already holds a checkpoint", "--resume", "--overwrite")
    assert (run_dir / "checkpoint.safetensors").read_bytes() == before


def test_overwrite_starts_a_new_run(cli, run_dir):
    before = (run_dir / "checkpoint.safetensors").read_bytes()
    assert cli("train", *QUICK, "--seed", "1", "--out", run_dir, "--overwrite").code == 0
    assert (run_dir / "checkpoint.safetensors").read_bytes() != before


def test_resume_without_checkpoint(cli, tmp_path):
    result = cli("train", *QUICK, "--out", tmp_path / "nothing", "--resume")
    assert_one_line_error(result, "holds no checkpoint.safetensors", "drop --resume")


def test_resume_with_conflicting_settings_keeps_the_checkpoint(cli, run_dir):
    before = (run_dir / "checkpoint.safetensors").read_bytes()
    result = cli("train", "--out", run_dir, "--resume", "--lr", "0.5", "--epochs", "2")
    assert_one_line_error(result, "--lr 0.5 (the checkpoint has 0.003)", "--epochs 2")
    assert (run_dir / "checkpoint.safetensors").read_bytes() == before


def test_resume_of_a_finished_run_does_nothing(cli, run_dir):
    before = (run_dir / "checkpoint.safetensors").read_bytes()
    result = cli("train", "--out", run_dir, "--resume", "--no-plots")
    assert result.code == 0 and "nothing to train" in result.out
    assert (run_dir / "checkpoint.safetensors").read_bytes() == before


def test_out_is_a_file(cli, tmp_path):
    (tmp_path / "file").write_text("x")
    assert_one_line_error(cli("train", *QUICK, "--out", tmp_path / "file"), "is a file")


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_corrupt_checkpoint(cli, run_dir, damage, tmp_path):
    path = run_dir / "checkpoint.safetensors"
    data = path.read_bytes()
    path.write_bytes(b"\x07not a safetensors file" if damage == "garbage" else data[:1000])
    damaged = path.read_bytes()
    assert_one_line_error(cli("evaluate", path), "checkpoint.safetensors")
    assert_one_line_error(cli("predict", path, tmp_path / "x.png"), "checkpoint.safetensors")
    assert_one_line_error(cli("train", "--out", run_dir, "--resume"), "checkpoint.safetensors")
    assert path.read_bytes() == damaged  # --resume did not replace it


def test_checkpoint_of_another_model(cli, run_dir):
    path = run_dir / "checkpoint.safetensors"
    ckpt = ember.load(path)
    ckpt["config"]["model"] = "cnn"  # an MLP's weights under a CNN's config
    ember.save(ckpt, path)
    assert_one_line_error(cli("evaluate", path), "do not fit the cnn model", "Missing key")
    assert_one_line_error(cli("train", "--out", run_dir, "--resume"), "do not fit the cnn model")


def test_plain_state_dict_is_not_a_training_checkpoint(cli, tmp_path):
    path = tmp_path / "weights.safetensors"
    ember.save(ember.models.MLP().state_dict(), path)
    assert_one_line_error(cli("evaluate", path), "not a checkpoint of `ember train`")


def test_missing_checkpoint(cli, tmp_path):
    assert_one_line_error(cli("evaluate", tmp_path / "none.safetensors"), "does not exist")
    assert_one_line_error(cli("evaluate", tmp_path), "is a directory")


def test_unreadable_image(cli, run_dir, tmp_path):
    bad = tmp_path / "notes.png"
    bad.write_text("these are not pixels")
    checkpoint = run_dir / "checkpoint.safetensors"
    assert_one_line_error(cli("predict", checkpoint, bad), "notes.png", "PNG or JPEG")
    assert_one_line_error(cli("predict", checkpoint, tmp_path / "gone.png"), "gone.png",
                          "no such image")


def test_predict_classifies_every_readable_image_and_reports_each_bad_one(cli, run_dir,
                                                                         tmp_path):
    from PIL import Image, ImageDraw

    good = []
    for i in range(2):
        image = Image.new("L", (80, 80), 255)
        ImageDraw.Draw(image).ellipse((20, 10 + i, 60, 70), outline=0, width=8)
        image.save(tmp_path / f"good{i}.png")
        good.append(tmp_path / f"good{i}.png")
    (tmp_path / "notes.png").write_text("these are not pixels")
    Image.new("L", (80, 80), 255).save(tmp_path / "blank.png")
    files = [good[0], tmp_path / "gone.png", tmp_path / "notes.png", good[1],
             tmp_path / "blank.png"]
    result = cli("predict", run_dir / "checkpoint.safetensors", *files)
    assert result.code == 1
    assert [line.split(": ")[0] for line in result.out.splitlines()] == [str(p) for p in good]
    errors = result.err.splitlines()
    assert len(errors) == 3 and all(line.startswith("ember: error: ") for line in errors)
    for line, name, problem in zip(errors, ("gone.png", "notes.png", "blank.png"),
                                   ("no such image file", "not an image", "is blank")):
        assert name in line and problem in line, line
