"""Ctrl-C as a terminal delivers it: while ember is still importing (the first fraction of a
second), and typed over a progress bar, where the terminal echoes "^C"."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time

import pytest

import ember

# A real SIGINT to the process while `import ember` imports NumPy, as a Ctrl-C typed at once.
SIGINT_DURING_IMPORT = """
import os, signal, sys

class CtrlC:
    def find_spec(self, name, path=None, target=None):
        if name == "numpy":
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signal.SIGINT)
        return None

sys.meta_path.insert(0, CtrlC())
sys.argv = ["ember", "--help"]
from _ember_cli import main
sys.exit(main())
"""


def test_ctrl_c_while_ember_imports_is_one_line_not_a_traceback():
    result = subprocess.run([sys.executable, "-c", SIGINT_DURING_IMPORT], capture_output=True,
                            text=True, timeout=60, cwd=os.path.dirname(ember.__path__[0]))
    assert (result.returncode, result.stderr, result.stdout) == (130, "ember: interrupted\n", "")


def test_the_console_script_enters_through_the_launcher():
    from importlib.metadata import entry_points

    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "ember"]
    assert script.value == "_ember_cli:main"


def screen(output: bytes, columns: int) -> list[str]:
    """The lines a terminal `columns` wide shows after `output`: carriage returns, newlines,
    "erase to end of line", and wrapping at the right edge (as xterm: a character written into
    the last column leaves the cursor there until the next one)."""
    lines, row, col = [[]], 0, 0
    text = output.decode("utf-8", "replace").replace("\033[K", "\0")
    for ch in text:
        if ch == "\r":
            col = 0
        elif ch == "\n":
            row, col = row + 1, 0
        elif ch == "\0":
            del lines[row][col:]
        else:
            if col == columns:
                row, col = row + 1, 0
            while len(lines) <= row:
                lines.append([])
            line = lines[row]
            line.extend(" " * (col + 1 - len(line)))
            line[col] = ch
            col += 1
        while len(lines) <= row:
            lines.append([])
    return ["".join(line).rstrip() for line in lines]


@pytest.mark.parametrize("columns", [80, 100, 123])
def test_ctrl_c_typed_over_a_progress_bar_leaves_no_bar_behind(mnist_env, tmp_path, columns):
    pid, fd = pty.fork()
    if pid == 0:  # the child: ember on a terminal `columns` wide
        os.environ["OPENBLAS_NUM_THREADS"] = "1"
        entry = "import _ember_cli; raise SystemExit(_ember_cli.main())"
        os.execv(sys.executable, [sys.executable, "-c", entry, "train", "--model", "mlp",
                                  "--epochs", "1", "--batch-size", "8", "--no-plots",
                                  "--out", str(tmp_path / "run")])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    output, typed, deadline = b"", False, time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            if select.select([fd], [], [], 0.1)[0]:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:  # the child is gone
                    break
                if not chunk:
                    break
                output += chunk
            if not typed and output.count(b"img/s") >= 3:
                os.write(fd, b"\x03")  # Ctrl-C, as typed: the terminal echoes ^C and signals
                typed = True
    finally:
        if not typed:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    assert typed and os.waitstatus_to_exitcode(status) == 130, output[-500:]
    shown = [line for line in screen(output, columns) if line]
    assert any(line.startswith("ember: interrupted in epoch 1 after batch ") for line in shown)
    assert not any("img/s" in line or "%|" in line or "^C" in line for line in shown), shown
