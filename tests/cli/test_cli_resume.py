"""Ctrl-C and --resume: an interrupted run, resumed, ends with the same weights, bit for bit, as
one that never stopped, wherever the interruption falls (mid-epoch, while scoring, between
epochs, or twice)."""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_helpers import assert_same_weights, read_metrics, sigint_after_step, sigint_on_call

import ember
from ember.cli.trainer import Trainer

# 512 images in batches of 64: 8 steps per epoch
SMALL = ["--epochs", "3", "--limit-train", "512", "--limit-test", "100", "--batch-size", "64",
         "--no-plots", "--no-progress"]
DETERMINISTIC_METRICS = ("epoch", "train_loss", "train_acc", "test_loss", "test_acc", "lr")


@pytest.fixture
def reference(cli, tmp_path_factory):
    """reference(model) -> the checkpoint of an uninterrupted run."""
    runs = {}

    def get(model: str) -> Path:
        if model not in runs:
            out = tmp_path_factory.mktemp(f"uninterrupted-{model}")
            assert cli("train", "--model", model, *SMALL, "--out", out).code == 0
            runs[model] = out
        return runs[model]

    return get


def assert_matches(reference: Path, resumed: Path) -> None:
    assert_same_weights(reference / "checkpoint.safetensors", resumed / "checkpoint.safetensors")
    expected, got = read_metrics(reference), read_metrics(resumed)
    assert [[r[c] for c in DETERMINISTIC_METRICS] for r in got] == [
        [r[c] for c in DETERMINISTIC_METRICS] for r in expected
    ]


@pytest.mark.parametrize("model", ["mlp", "cnn"])
def test_sigint_mid_epoch_then_resume_is_bit_identical(cli, reference, tmp_path, model):
    out = tmp_path / "run"
    with sigint_after_step(11):  # step 3 of epoch 2
        result = cli("train", "--model", model, *SMALL, "--out", out)
    assert result.code == 130
    assert result.err.strip() == (
        f"ember: interrupted in epoch 2 after batch 3/8; saved {out / 'checkpoint.safetensors'}; "
        f"resume with: ember train --out {out} --resume"
    )
    ckpt = ember.load(out / "checkpoint.safetensors")
    assert (ckpt["epoch"], ckpt["batch"], ckpt["running"]["seen"]) == (1, 3, 192)
    assert len(read_metrics(out)) == 1
    resumed = cli("train", "--out", out, "--resume", "--no-progress", "--no-plots")
    assert resumed.code == 0 and "resuming at epoch 2 batch 3" in resumed.out
    assert_matches(reference(model), out)


def test_sigint_while_scoring_then_resume_is_bit_identical(cli, reference, tmp_path):
    out = tmp_path / "run"
    with sigint_on_call("evaluate_model", 2):  # scoring after epoch 2
        result = cli("train", "--model", "cnn", *SMALL, "--out", out)
    assert result.code == 130 and "in epoch 2 after batch 8/8" in result.err
    assert cli("train", "--out", out, "--resume", "--no-progress").code == 0
    assert_matches(reference("cnn"), out)


def test_sigint_between_epochs_then_resume_is_bit_identical(cli, reference, tmp_path):
    out = tmp_path / "run"
    with sigint_on_call("write_metrics_csv", 1):  # as epoch 1 is being saved
        result = cli("train", "--model", "cnn", *SMALL, "--out", out)
    assert result.code == 130 and "interrupted after epoch 1;" in result.err
    ckpt = ember.load(out / "checkpoint.safetensors")
    assert (ckpt["epoch"], ckpt["batch"]) == (1, 0)
    assert cli("train", "--out", out, "--resume", "--no-progress").code == 0
    assert_matches(reference("cnn"), out)


def test_two_interruptions_then_resume_is_bit_identical(cli, reference, tmp_path):
    out = tmp_path / "run"
    with sigint_after_step(5):  # mid epoch 1
        assert cli("train", "--model", "cnn", *SMALL, "--out", out).code == 130
    with sigint_after_step(9):  # 5 + 9 = step 14: mid epoch 2
        assert cli("train", "--out", out, "--resume", "--no-progress").code == 130
    assert ember.load(out / "checkpoint.safetensors")["batch"] == 6
    assert cli("train", "--out", out, "--resume", "--no-progress").code == 0
    assert_matches(reference("cnn"), out)


@contextlib.contextmanager
def sigint_in_save(call: int):
    """A real SIGINT as the trainer starts its `call`-th checkpoint save, before it writes."""
    original, count = Trainer.save, itertools.count(1)

    def save(self):
        if next(count) == call:
            os.kill(os.getpid(), signal.SIGINT)
        return original(self)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Trainer, "save", save)
        yield


def test_second_ctrl_c_says_which_checkpoint_is_intact_then_resume_is_bit_identical(
        cli, reference, tmp_path):
    out = tmp_path / "run"
    # Ctrl-C in epoch 2, and again while that stop is being saved: the end of epoch 1 stays.
    with sigint_after_step(11), sigint_in_save(2):
        result = cli("train", "--model", "cnn", *SMALL, "--out", out)
    assert result.code == 130
    assert result.err.strip() == (
        f"ember: interrupted again; {out / 'checkpoint.safetensors'} is intact and holds the run "
        f"as it was after epoch 1; resume with: ember train --out {out} --resume"
    )
    assert (ember.load(out / "checkpoint.safetensors")["epoch"], len(read_metrics(out))) == (1, 1)
    assert cli("train", "--out", out, "--resume", "--no-progress").code == 0
    assert_matches(reference("cnn"), out)


def test_second_ctrl_c_before_any_checkpoint_says_to_start_again(cli, tmp_path):
    out = tmp_path / "run"
    with sigint_after_step(3), sigint_in_save(1):
        result = cli("train", "--model", "mlp", *SMALL, "--out", out)
    assert result.code == 130
    assert result.err.strip() == ("ember: interrupted again, before this run saved a checkpoint; "
                                  "run the same command again to start it over")
    assert not (out / "checkpoint.safetensors").exists()


def test_real_ctrl_c_to_a_subprocess_then_resume_is_bit_identical(cli, mnist_env, tmp_path):
    flags = ["--model", "cnn", "--epochs", "2", "--limit-train", "2048", "--batch-size", "32",
             "--limit-test", "100", "--no-plots", "--no-progress"]
    out = tmp_path / "run"
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}  # see conftest._one_blas_thread
    process = subprocess.Popen(
        [sys.executable, "-m", "ember", "train", *flags, "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        for line in process.stdout:
            if line.startswith("epoch 1/2"):
                time.sleep(0.1)  # a few of epoch 2's 64 steps (~1 s in all, longer when busy)
                process.send_signal(signal.SIGINT)
                break
        stdout, stderr = process.communicate(timeout=120)
    finally:
        process.kill()
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert stderr.strip().startswith("ember: interrupted ")
    assert f"resume with: ember train --out {out} --resume" in stderr
    assert cli("train", "--out", out, "--resume", "--no-progress").code == 0

    uninterrupted = tmp_path / "uninterrupted"
    assert cli("train", *flags, "--out", uninterrupted).code == 0
    assert_matches(uninterrupted, out)


def test_more_epochs_for_a_run_without_schedule(cli, tmp_path):
    flags = ["--model", "mlp", "--scheduler", "none", "--limit-train", "512", "--limit-test",
             "100", "--no-plots", "--no-progress"]
    assert cli("train", *flags, "--epochs", "1", "--out", tmp_path / "extended").code == 0
    result = cli("train", "--out", tmp_path / "extended", "--resume", "--epochs", "2",
                 "--no-progress")
    assert result.code == 0 and "resuming at epoch 2 batch 0" in result.out
    assert cli("train", *flags, "--epochs", "2", "--out", tmp_path / "two").code == 0
    assert_matches(tmp_path / "two", tmp_path / "extended")


def test_threads_apply_to_the_run_and_are_not_part_of_its_settings(cli, tmp_path, monkeypatch):
    from threadpoolctl import threadpool_info

    seen = []
    original = Trainer._train_step

    def step(self, x, y):
        seen.append({p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"})
        return original(self, x, y)

    monkeypatch.setattr(Trainer, "_train_step", step)
    flags = ["--model", "mlp", "--limit-train", "128", "--limit-test", "50", "--no-plots",
             "--no-progress", "--epochs", "1", "--out", tmp_path]
    assert cli("train", *flags, "--threads", "2").code == 0
    assert seen and all(threads == {2} for threads in seen)
    seen.clear()
    # A different --threads on resume is not a conflicting setting.
    assert cli("train", "--out", tmp_path, "--resume", "--epochs", "1", "--threads", "1",
               "--no-progress").code == 0
