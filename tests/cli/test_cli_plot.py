"""`ember plot RUN_DIR`, and `ember train --resume` of a finished run: the files of a run that are
missing (plots cut short by Ctrl-C, or deleted) can always be written again."""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import assert_one_line_error, sigint_after_step
from PIL import Image

import ember.cli.plot as plot_module
from ember.cli.main import main
from ember.cli.plots import PLOT_NAMES

FLAGS = ["--model", "mlp", "--epochs", "1", "--limit-train", "256", "--limit-test", "100",
         "--no-progress"]
RUN_FILES = ("metrics.csv", *PLOT_NAMES, "example.png")


def assert_is_a_plot(path):
    with Image.open(path) as image:
        assert image.format == "PNG" and image.width >= 400
        assert len(np.unique(np.asarray(image.convert("L")))) > 20  # not a blank canvas


@pytest.fixture(scope="module")
def finished_once(tmp_path_factory, data_root):
    out = tmp_path_factory.mktemp("finished") / "run"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EMBER_DATA", str(data_root))
        assert main(["train", *FLAGS, "--out", str(out)]) == 0
    return out


@pytest.fixture
def finished(finished_once, tmp_path):
    """A finished one-epoch run with all its files, for this test to damage."""
    return Path(shutil.copytree(finished_once, tmp_path / "run"))


def test_plot_writes_every_file_of_the_run_again(cli, finished):
    metrics = (finished / "metrics.csv").read_text()
    for name in RUN_FILES:
        (finished / name).unlink()
    result = cli("plot", finished)
    assert result.code == 0, result.err
    assert result.out == f"wrote {', '.join(str(finished / n) for n in RUN_FILES)}\n"
    assert (finished / "metrics.csv").read_text() == metrics
    for name in PLOT_NAMES:
        assert_is_a_plot(finished / name)


def test_ctrl_c_while_plotting_points_to_ember_plot_which_draws_the_rest(cli, tmp_path,
                                                                         monkeypatch):
    original = plot_module.save_plots

    def interrupted_after_two(out, history, evaluation, images, names, which):
        original(out, history, evaluation, images, names, which[:2])
        os.kill(os.getpid(), signal.SIGINT)
        return original(out, history, evaluation, images, names, which[2:])

    monkeypatch.setattr(plot_module, "save_plots", interrupted_after_two)
    out = tmp_path / "run"
    result = cli("train", *FLAGS, "--out", out)
    assert result.code == 130
    assert result.err == ("ember: interrupted while writing the plots; the run itself is "
                          f"complete and saved; draw them with: ember plot {out}\n")
    assert [(out / name).exists() for name in PLOT_NAMES] == [True, True, False, False]
    monkeypatch.undo()
    assert cli("plot", out).code == 0
    for name in PLOT_NAMES:
        assert_is_a_plot(out / name)


def test_resume_of_a_finished_run_reports_it_and_writes_only_what_is_missing(cli, finished):
    curves = (finished / "curves.png").read_bytes()
    for name in ("mistakes.png", "example.png"):
        (finished / name).unlink()
    result = cli("train", "--out", finished, "--resume", "--no-progress")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == (f"{finished / 'checkpoint.safetensors'} is a finished run of 1 epoch; "
                        "nothing to train (--overwrite trains anew)")
    assert lines[1].startswith("test accuracy: ") and lines[1].endswith(" s of training)")
    assert "after 1 epoch (" in lines[1]
    assert f"plots:      {finished / 'curves.png'}" in result.out
    assert result.out.rstrip().endswith(f"{finished / 'example.png'}")
    assert_is_a_plot(finished / "mistakes.png")
    assert (finished / "example.png").exists()
    assert (finished / "curves.png").read_bytes() == curves  # present: left alone


def test_plot_of_a_run_stopped_mid_epoch_says_what_the_images_show(cli, tmp_path):
    out = tmp_path / "run"
    flags = ["--model", "mlp", "--epochs", "2", "--limit-train", "256", "--limit-test", "100",
             "--batch-size", "64", "--no-progress", "--no-plots"]
    with sigint_after_step(6):  # step 2 of epoch 2
        assert cli("train", *flags, "--out", out).code == 130
    result = cli("plot", out)
    assert result.code == 0
    assert result.out.splitlines()[-1] == ("note: the run stopped in epoch 2; the plots of test "
                                           "images show its weights as they were then")


def test_plot_errors(cli, tmp_path):
    assert_one_line_error(cli("plot", tmp_path), "does not exist", "checkpoint.safetensors")
    (tmp_path / "file").write_text("x")
    assert_one_line_error(cli("plot", tmp_path / "file"), "is a file")
    out = tmp_path / "run"
    with sigint_after_step(1):
        assert cli("train", *FLAGS, "--out", out).code == 130
    assert_one_line_error(cli("plot", out), "has not finished an epoch yet",
                          f"ember train --out {out} --resume")
