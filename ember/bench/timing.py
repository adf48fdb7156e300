"""Adaptive timing: warm up, calibrate a loop count, then time every library in round-robin.

Each round times one sample of every library back to back, so a burst of load from elsewhere on
the machine hits all of them alike and the ratios between them stay trustworthy. The samples are
read from the wall clock, or (clock "cpu") from the CPU time of the calling thread, which leaves
out the time the process waits for a core on a busy machine (every library here runs its math on
the calling thread at 1 thread; with more, the other threads' work is not counted).
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Budget:
    """How long to spend on one row, per library."""

    seconds: float = 0.5  # per library, after warm-up
    min_rounds: int = 5
    max_rounds: int = 2000
    sample_s: float = 0.005  # each sample loops the step until it takes at least this long
    warmup_s: float = 0.05
    clock: str = "wall"  # a key of CLOCKS


CLOCKS = {"wall": time.perf_counter, "cpu": time.thread_time}

QUICK = Budget(seconds=0.03, min_rounds=3, max_rounds=200, sample_s=0.001, warmup_s=0.005)


@dataclass(frozen=True)
class Timing:
    median_s: float
    min_s: float
    rounds: int
    loops: int  # calls per sample

    def as_dict(self) -> dict:
        return {"median_s": self.median_s, "min_s": self.min_s, "rounds": self.rounds,
                "loops": self.loops}


def calibrate(step: Callable[[], object], budget: Budget) -> int:
    """Warm the step up and return how many calls make one sample of at least budget.sample_s."""
    calls, start = 0, time.perf_counter()
    while True:
        step()
        calls += 1
        elapsed = time.perf_counter() - start
        if calls >= 2 and elapsed >= budget.warmup_s:
            break
    per_call = elapsed / calls
    return max(1, math.ceil(budget.sample_s / per_call))


def _sample(step: Callable[[], object], loops: int, clock: Callable[[], float]) -> float:
    start = clock()
    for _ in range(loops):
        step()
    return (clock() - start) / loops


def measure(steps: dict[str, Callable[[], object]], budget: Budget) -> dict[str, Timing]:
    """Time every step (already run once), interleaving them round by round."""
    loops = {lib: calibrate(step, budget) for lib, step in steps.items()}
    clock = CLOCKS[budget.clock]
    samples: dict[str, list[float]] = {lib: [] for lib in steps}
    deadline = time.perf_counter() + budget.seconds * len(steps)
    rounds = 0
    while rounds < budget.max_rounds:
        for lib, step in steps.items():
            samples[lib].append(_sample(step, loops[lib], clock))
        rounds += 1
        if rounds >= budget.min_rounds and time.perf_counter() >= deadline:
            break
    return {lib: Timing(statistics.median(s), min(s), rounds, loops[lib])
            for lib, s in samples.items()}
