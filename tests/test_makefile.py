"""The Makefile's two commands, run with a stand-in virtual environment (a fake `python` that
plays pip, a fake `ember` that records its arguments): what a new user sees and what runs."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

FAKE_PYTHON = """#!/bin/sh
echo "python $*" >> "$CALLS"
echo "WARNING: pip says a lot"
echo "  BuildBackendWarning: Editable installation." >&2
exit "${PIP_STATUS:-0}"
"""
FAKE_EMBER = """#!/bin/sh
echo "ember $*" >> "$CALLS"
"""

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


@pytest.fixture
def make(tmp_path):
    """make(*targets, **env) -> the CompletedProcess of `make` in the repository, with VENV and
    RUN in tmp_path; `calls` lists the commands the fakes received."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    for name, script in (("python", FAKE_PYTHON), ("ember", FAKE_EMBER)):
        (venv / "bin" / name).write_text(script)
        (venv / "bin" / name).chmod(0o755)
    calls = tmp_path / "calls"

    def run(*targets: str, **env: str) -> subprocess.CompletedProcess:
        calls.write_text("")
        return subprocess.run(
            ["make", "--no-print-directory", "-C", str(REPO), *targets, f"VENV={venv}",
             f"RUN={tmp_path / 'run'}"],
            capture_output=True, text=True, timeout=60,
            env={**os.environ, "CALLS": str(calls), **env},
        )

    run.venv, run.run_dir = venv, tmp_path / "run"
    run.calls = lambda: calls.read_text().splitlines()
    return run


def test_first_make_train_says_what_it_does_and_keeps_pips_output_in_a_log(make):
    result = make("train")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"make: installing ember, NumPy, safetensors, tqdm, matplotlib and Pillow into "
        f"{make.venv} (a minute or two; log: {make.venv}/install.log)",
        f"{make.venv}/bin/ember train --dataset mnist --model cnn --epochs 3 --out {make.run_dir}",
    ]
    assert result.stderr == ""
    assert "WARNING: pip says a lot" in (make.venv / "install.log").read_text()
    assert make.calls() == [
        "python -m pip install --quiet -e .[cli]",
        f"ember train --dataset mnist --model cnn --epochs 3 --out {make.run_dir}",
    ]


def test_second_make_train_resumes_or_reports_the_run_in_place(make):
    assert make("train").returncode == 0
    make.run_dir.mkdir()
    (make.run_dir / "checkpoint.safetensors").write_bytes(b"")
    result = make("train")
    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        f"{make.venv}/bin/ember train --out {make.run_dir} --resume"]
    assert make.calls() == [f"ember train --out {make.run_dir} --resume"]  # nothing reinstalled


def test_a_failed_install_shows_pips_output(make):
    result = make("train", PIP_STATUS="1")
    assert result.returncode != 0
    assert "WARNING: pip says a lot" in result.stdout
    assert not any(call.startswith("ember") for call in make.calls())


def test_make_test_installs_the_test_tools_and_lists_skip_reasons(make):
    result = make("-n", "test")
    assert result.returncode == 0
    assert "pip install --quiet -e '.[dev]'" in result.stdout
    pytest_lines = [line for line in result.stdout.splitlines() if "bin/pytest" in line]
    assert pytest_lines and all(" -rs " in f"{line} " for line in pytest_lines)
