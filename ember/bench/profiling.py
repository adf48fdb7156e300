"""`--profile`: where ember's time goes in a row's step, as cProfile sees it."""

from __future__ import annotations

import cProfile
import pstats
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .rows import Row
from .workloads import Framework

_PACKAGE = Path(__file__).resolve().parents[1]  # ember/: its files are named relative to it


def profile_step(step: Callable[[], object], seconds: float) -> tuple[pstats.Stats, int]:
    """Profile repeated calls of `step` for about `seconds`; returns the stats and call count."""
    start = time.perf_counter()
    step()  # warm-up, and a first estimate of the cost of one call
    calls = max(1, int(seconds / max(time.perf_counter() - start, 1e-9)))
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        step()
    profiler.disable()
    return pstats.Stats(profiler), calls


def _where(func: tuple[str, int, str]) -> str:
    filename, line, name = func
    if filename == "~":  # a builtin or C method
        return name
    path = Path(filename).resolve()
    short = path.relative_to(_PACKAGE).as_posix() if path.is_relative_to(_PACKAGE) else path.name
    return f"{name} ({short}:{line})"


def hot_spots(stats: pstats.Stats, calls: int, top: int) -> list[str]:
    """The functions with the most cumulative time, as Markdown table lines."""
    entries = stats.stats  # {func: (primitive calls, total calls, self time, cumulative time, _)}
    total = sum(tt for _, _, tt, _, _ in entries.values())
    ranked = sorted(((func, e) for func, e in entries.items() if "_lsprof" not in func[2]),
                    key=lambda kv: kv[1][3], reverse=True)
    lines = ["| function | calls/step | self % | cumulative % | cumulative µs/step |",
             "|---|---|---|---|---|"]
    for func, (_, ncalls, tt, ct, _) in ranked[:top]:
        lines.append(f"| `{_where(func)}` | {ncalls / calls:.3g} | {100 * tt / total:.1f} | "
                     f"{100 * ct / total:.1f} | {1e6 * ct / calls:.1f} |")
    return lines


def profile_rows(rows: list[Row], ember: Framework, dtype: np.dtype, seconds: float,
                 top: int = 25) -> str:
    out = []
    for row in rows:
        stats, calls = profile_step(row.workload.framework(ember, dtype), seconds)
        total = sum(tt for _, _, tt, _, _ in stats.stats.values())
        out += [f"### cProfile of ember: `{row.name}` {row.label}", "",
                f"{calls} steps, {1e6 * total / calls:.1f} µs/step under the profiler "
                "(which inflates Python-heavy code); % of the profiled total. Time in NumPy "
                "operators and BLAS counts as self time of the Python function that ran them.",
                "",
                *hot_spots(stats, calls, top), ""]
    return "\n".join(out)
