"""What `ember train` leaves behind and prints, and the command's entry points."""

from __future__ import annotations

import contextlib
import io
import math
import re
import subprocess
import sys

import numpy as np
import pytest
from cli_helpers import FASHION_DIR, read_metrics
from PIL import Image

import ember
import ember.bench
from ember.cli.metrics import COLUMNS
from ember.cli.plots import PLOT_NAMES

FLAGS = ["--model", "cnn", "--epochs", "2", "--limit-train", "640", "--limit-test", "200",
         "--batch-size", "32", "--lr", "0.003", "--seed", "7", "--no-progress"]


@pytest.fixture(scope="module")
def run(tmp_path_factory, data_root):
    """A finished two-epoch run with plots: its --out directory and what it printed."""
    out = tmp_path_factory.mktemp("run")
    stdout = io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(stdout):
        mp.setenv("EMBER_DATA", str(data_root))
        assert ember.cli.main.main(["train", *FLAGS, "--out", str(out)]) == 0
    return out, stdout.getvalue()


def test_prints_accuracy_and_where_everything_went(run):
    out, printed = run
    final = read_metrics(out)[-1]
    assert f"test accuracy: {float(final['test_acc']):.2%} after 2 epochs" in printed
    assert f"checkpoint: {out / 'checkpoint.safetensors'}" in printed
    assert f"metrics:    {out / 'metrics.csv'}" in printed
    assert all(str(out / name) in printed for name in PLOT_NAMES)
    command = f"  ember predict {out / 'checkpoint.safetensors'} {out / 'example.png'}"
    assert printed.rstrip().endswith(command)


def test_the_printed_predict_command_works(run, cli):
    out, printed = run
    args = printed.rstrip().splitlines()[-1].split()
    assert args[0] == "ember"
    result = cli(*args[1:])
    assert result.code == 0 and result.out.startswith(f"{out / 'example.png'}: ")


def test_metrics_csv_has_a_row_per_epoch(run):
    out, printed = run
    rows = read_metrics(out)
    assert tuple(rows[0]) == COLUMNS
    assert [int(r["epoch"]) for r in rows] == [1, 2]
    for row in rows:
        values = {k: float(v) for k, v in row.items()}
        assert 0 <= values["train_acc"] <= 1 and 0 <= values["test_acc"] <= 1
        assert values["train_loss"] > 0 and values["test_loss"] > 0
        assert values["seconds"] > 0
        assert values["samples_per_s"] == pytest.approx(640 / values["seconds"], rel=1e-3)
        assert f"acc {values['test_acc']:.2%}" in printed
    assert float(rows[1]["lr"]) < float(rows[0]["lr"])  # OneCycleLR anneals to ~0
    assert float(rows[1]["train_loss"]) < float(rows[0]["train_loss"])


def test_plots_are_pngs(run):
    out, _ = run
    for name in PLOT_NAMES:
        with Image.open(out / name) as image:
            assert image.format == "PNG" and image.width >= 400 and image.height >= 300
            # not a blank canvas: a plot has many distinct colours
            assert len(np.unique(np.asarray(image.convert("L")))) > 20


def test_no_temporary_files_are_left(run):
    out, _ = run
    expected = {"checkpoint.safetensors", "metrics.csv", "example.png", *PLOT_NAMES}
    assert {p.name for p in out.iterdir()} == expected


def test_checkpoint_holds_everything_needed_to_resume(run):
    out, _ = run
    ckpt = ember.load(out / "checkpoint.safetensors")
    config = ckpt["config"]
    assert (config["model"], config["dataset"], config["epochs"]) == ("cnn", "mnist", 2)
    assert (config["lr"], config["batch_size"], config["seed"]) == (0.003, 32, 7)
    assert (config["optimizer"], config["scheduler"], config["limit_train"]) == (
        "adam", "onecycle", 640)
    assert (config["mean"], config["std"]) == (0.1307, 0.3081)
    assert (ckpt["epoch"], ckpt["batch"]) == (2, 0)
    assert set(ckpt["model"]) == set(ember.models.CNN().state_dict())
    assert len(ckpt["optimizer"]["state"]) == len(ckpt["model"])
    assert ckpt["scheduler"]["last_epoch"] == 2 * 20  # stepped per batch: 640 / 32 per epoch
    assert ckpt["rng"]["global"].shape == ckpt["rng"]["loader"].shape == (40,)
    history = ckpt["history"]
    assert [row["epoch"] for row in history] == [1, 2]
    csv_rows = read_metrics(out)
    for row, csv_row in zip(history, csv_rows):
        assert math.isclose(row["test_acc"], float(csv_row["test_acc"]), rel_tol=1e-5)


def test_python_dash_m_ember_runs_the_command():
    result = subprocess.run([sys.executable, "-m", "ember", "--help"], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0
    for command in ("train", "evaluate", "predict", "bench"):
        assert command in result.stdout


def test_bench_is_forwarded_to_ember_bench(monkeypatch):
    received = []
    monkeypatch.setattr(ember.bench, "main", lambda argv: received.append(argv) or 5)
    assert ember.cli.main.main(["bench", "--quick", "--rows", "matmul"]) == 5
    assert received == [["--quick", "--rows", "matmul"]]


@pytest.mark.skipif(not FASHION_DIR.is_dir(), reason="Fashion-MNIST is not installed")
def test_fashion_runs_name_their_classes(cli, run, tmp_path):
    out, _ = run
    result = cli("evaluate", out / "checkpoint.safetensors", "--dataset", "fashion-mnist",
                 "--limit", "100")
    assert result.code == 0 and "(the model was trained on mnist)" in result.out
    assert "  0 T-shirt/top " in result.out and "  9 Ankle boot " in result.out

    fashion = tmp_path / "fashion"
    assert cli("train", "--dataset", "fashion-mnist", "--model", "mlp", "--epochs", "1",
               "--limit-train", "256", "--limit-test", "50", "--no-plots", "--no-progress",
               "--out", fashion).code == 0
    result = cli("predict", fashion / "checkpoint.safetensors", fashion / "example.png",
                 "--top", "2")
    assert result.code == 0
    pattern = r".*example\.png: \d [A-Za-z/ -]+ \(\d+\.\d%\), \d [A-Za-z/ -]+ \(\d+\.\d%\)\n"
    assert re.fullmatch(pattern, result.out), result.out
