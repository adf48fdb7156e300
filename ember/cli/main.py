"""The `ember` command (console script, and `python -m ember`): train, evaluate, predict, export,
plot, bench.

Exit status: 0 on success; 1 for bad input (a missing or corrupt dataset, checkpoint or image,
conflicting flags), reported as one line ``ember: error: ...`` on stderr; 2 for usage errors
(argparse); 128+N when stopped by signal N (130 for Ctrl-C).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys

from ..data import DatasetError
from ..serialization import CheckpointError
from . import evaluate, export, plot, predict, train
from .checkpoint import one_line
from .errors import CLIError
from .progress import fresh_line

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ember",
        description="Train, evaluate and use digit (MNIST) and clothing (Fashion-MNIST) "
                    "classifiers built with ember.",
        epilog="Quick start: ember train --dataset mnist --model cnn --epochs 3 --out "
               "runs/mnist-cnn",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    train.add_parser(commands)
    evaluate.add_parser(commands)
    predict.add_parser(commands)
    export.add_parser(commands)
    plot.add_parser(commands)
    # Only listed here: main() hands `ember bench ...` to ember.bench before parsing.
    commands.add_parser("bench", help="time ember against NumPy and PyTorch (see ember bench -h)",
                        add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        if argv[:1] == ["bench"]:
            from ..bench import main as bench_main

            return bench_main(argv[1:])
        return _run(argv)
    except BrokenPipeError:  # `ember evaluate ... | head` stopped reading: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no flush error at exit
        return 128 + signal.SIGPIPE


def _run(argv: list[str]) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help, or a usage error already reported by argparse
        return e.code if isinstance(e.code, int) else 2
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        with _blas_threads(getattr(args, "threads", None)):
            return args.run(args)
    except KeyboardInterrupt:  # Ctrl-C outside the training loop (which reports its own)
        fresh_line()
        print("ember: interrupted", file=sys.stderr)
        return 130
    except (CLIError, DatasetError, CheckpointError) as e:
        print(f"ember: error: {one_line(e, limit=1000)}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        raise
    except OSError as e:  # e.g. --out on a read-only disk, or a full one
        where = f"{e.filename}: " if e.filename else ""
        print(f"ember: error: {where}{e.strerror or e}", file=sys.stderr)
        return 1


def _blas_threads(threads: int | None):
    """Limit BLAS to `threads` threads while a command runs (no limit when None)."""
    if threads is None:
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=threads, user_api="blas")
