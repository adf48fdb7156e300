"""`ember bench` / `python -m ember.bench`: time ember against NumPy and PyTorch, row by row.

Every row runs in one process, each library pinned to the same thread count (1 by default).
The result is a Markdown table on stdout (progress goes to stderr) and, with --json, a file.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shlex
import sys

import numpy as np

import ember

from . import env, rows
from .profiling import profile_rows
from .report import STATS, markdown, write_json
from .run import run_row
from .timing import CLOCKS, QUICK, Budget
from .workloads import Framework

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="ember bench", description="Time ember against raw NumPy and PyTorch.")
    p.add_argument("--quick", action="store_true",
                   help="a short run (well under a minute); without --rows it leaves out the "
                        "whole-program rows, whose steps take seconds")
    p.add_argument("--rows", nargs="+", metavar="PATTERN",
                   help="rows to run: names, globs (matmul/*) or prefixes (mlp), comma- or "
                        "space-separated (default: all; see --list)")
    p.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    p.add_argument("--threads", type=int, default=1,
                   help="BLAS/OpenMP/torch threads for every library (default 1)")
    p.add_argument("--budget", type=float, metavar="SECONDS",
                   help="timing budget per row and library (default 0.5, --quick 0.03)")
    p.add_argument("--stat", choices=STATS, default="min",
                   help="which time the ratios and targets compare: the minimum over rounds "
                        "(default: the least disturbed by other load) or the median")
    p.add_argument("--clock", choices=tuple(CLOCKS), default="wall",
                   help="what a sample measures: wall-clock time (default) or the CPU time of "
                        "the timing thread, steadier on a busy machine (meaningful at 1 thread)")
    p.add_argument("--json", metavar="FILE", help="also write the results as JSON to FILE")
    p.add_argument("--no-torch", action="store_true", help="skip PyTorch even if installed")
    p.add_argument("--list", action="store_true", help="list the rows and exit")
    p.add_argument("--profile", action="store_true",
                   help="instead of timing, cProfile ember's step in each selected row")
    return p


def _check_args(args: argparse.Namespace) -> str | None:
    if args.threads < 1:
        return f"--threads must be at least 1, got {args.threads}"
    if args.budget is not None and not args.budget > 0:
        return f"--budget must be a positive number of seconds, got {args.budget}"
    if args.json and not os.path.isdir(os.path.dirname(os.path.abspath(args.json))):
        # Checked up front so that a long run is not lost at the end.
        return f"--json {args.json}: the directory {os.path.dirname(args.json)!r} does not exist"
    return None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _parser().parse_args(argv)
    if args.list:
        for row in rows.ROWS:
            print(f"{row.name:20} {row.label}{'  (not in --quick)' if row.program else ''}")
        return 0
    problem = _check_args(args)
    if problem:
        print(f"ember bench: {problem}", file=sys.stderr)
        return 2
    patterns = [p for arg in args.rows or [] for p in arg.split(",") if p]
    try:
        selected = rows.select(patterns, skip_programs=args.quick)
    except ValueError as e:
        print(f"ember {e}", file=sys.stderr)
        return 2
    budget = QUICK if args.quick else Budget()
    budget = dataclasses.replace(budget, clock=args.clock)
    if args.budget is not None:
        budget = dataclasses.replace(budget, seconds=args.budget)
    dtype = np.dtype(args.dtype)

    with env.pinned_threads(args.threads, with_torch=not args.no_torch) as torch:
        frameworks = {"ember": Framework("ember", ember)}
        if torch is not None:
            frameworks["torch"] = Framework("torch", torch)
        if args.profile:
            print(profile_rows(selected, frameworks["ember"], dtype, budget.seconds * 4), end="")
            return 0
        meta = env.describe(args.threads, args.dtype, torch)
        results = []
        for i, row in enumerate(selected, 1):
            print(f"[{i}/{len(selected)}] {row.name}", end="", file=sys.stderr, flush=True)
            results.append(run_row(row, frameworks, dtype, budget))
            failed = ", ".join(results[-1].errors)
            print(f"  errors in: {failed}" if failed else "", file=sys.stderr, flush=True)
    meta["command"] = shlex.join(["ember", "bench", *argv])  # python -m ember.bench is the same
    meta["budget"] = dataclasses.asdict(budget)
    meta["stat"] = args.stat
    print(markdown(meta, results), end="")
    if args.json:
        try:
            write_json(args.json, meta, results)
        except OSError as e:
            print(f"ember bench: cannot write the JSON file {args.json}: {e}", file=sys.stderr)
            return 1
    return 1 if any(r.errors for r in results) else 0
