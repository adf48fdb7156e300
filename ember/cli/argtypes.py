"""argparse `type=` checkers: a bad value becomes a usage error (exit status 2) naming the flag."""

from __future__ import annotations

import argparse

__all__ = ["non_negative_float", "positive_float", "positive_int"]


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _float(text: str, ok, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
    if not ok(value):  # also rejects nan
        raise argparse.ArgumentTypeError(f"expected {what}, got {text}")
    return value


def positive_float(text: str) -> float:
    return _float(text, lambda v: 0 < v < float("inf"), "a positive number")


def non_negative_float(text: str) -> float:
    return _float(text, lambda v: 0 <= v < float("inf"), "a number >= 0")


def add_threads_argument(parser) -> None:
    parser.add_argument(
        "--threads", type=positive_int, default=1, metavar="N",
        help="BLAS threads (default: 1; more help the CNN on an idle machine, but make small "
             "steps erratic and busy machines much slower; see BENCHMARKS.md)")
