"""The strong-Wolfe line search of LBFGS (More & Thuente's bracketing and zoom, as in minFunc).

Scalars stay in the type the step produced: NumPy scalars of the parameters' dtype for values
computed from arrays (slopes, steps), Python floats for losses. NumPy 2 then rounds mixed
arithmetic as PyTorch does with 0-d tensors, so the search takes the same branches.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np


class Point(NamedTuple):
    """One trial step: its size t, the loss f there, the gradient g and the slope g·d."""

    t: Any
    f: float
    g: np.ndarray
    gtd: Any


def cubic_minimum(a: Point, b: Point, bounds: tuple[Any, Any] | None = None) -> Any:
    """The minimiser of the cubic through a and b with their slopes, clamped to `bounds`
    (default: between a.t and b.t); the middle of the bounds where the cubic has none."""
    low, high = bounds if bounds is not None else ((a.t, b.t) if a.t <= b.t else (b.t, a.t))
    d1 = a.gtd + b.gtd - 3 * (a.f - b.f) / (a.t - b.t)
    d2_square = d1**2 - a.gtd * b.gtd
    if not d2_square >= 0:
        return (low + high) / 2.0
    d2 = np.sqrt(d2_square)
    if a.t <= b.t:
        minimum = b.t - (b.t - a.t) * ((b.gtd + d2 - d1) / (b.gtd - a.gtd + 2 * d2))
    else:
        minimum = a.t - (a.t - b.t) * ((a.gtd + d2 - d1) / (a.gtd - b.gtd + 2 * d2))
    return min(max(minimum, low), high)


def strong_wolfe(evaluate: Callable[[Any], tuple[float, np.ndarray]], d: np.ndarray,
                 start: Point, t: Any, c1: float = 1e-4, c2: float = 0.9,
                 tolerance_change: float = 1e-9, max_ls: int = 25) -> tuple[Point, int]:
    """Search along the direction d from `start` (t = 0) for a step t that satisfies the strong
    Wolfe conditions: sufficient decrease f(t) <= f(0) + c1·t·f'(0) and |f'(t)| <= c2·|f'(0)|.

    `evaluate(t)` gives the loss and gradient at the step t. Returns the best point found and
    the number of evaluations; at most `max_ls` after the first.
    """
    f0, gtd0 = start.f, start.gtd
    d_norm = np.abs(d).max()

    def trial(t: Any) -> Point:
        f, g = evaluate(t)
        return Point(t, f, g, g.dot(d))

    def sufficient_decrease(p: Point) -> bool:
        return not p.f > f0 + c1 * p.t * gtd0

    def curvature(p: Point) -> bool:
        return abs(p.gtd) <= -c2 * gtd0

    # Bracketing: grow the step until an interval is known to hold an acceptable one.
    new = trial(t)
    evals = 1
    prev = Point(0, f0, start.g, gtd0)
    done = False
    iters = 0
    while iters < max_ls:
        if not sufficient_decrease(new) or (iters > 1 and new.f >= prev.f):
            bracket = [prev, new]
            break
        if curvature(new):
            bracket = [new]
            done = True
            break
        if new.gtd >= 0:
            bracket = [prev, new]
            break
        t = cubic_minimum(prev, new, bounds=(new.t + 0.01 * (new.t - prev.t), new.t * 10))
        prev, new = new, trial(t)
        evals += 1
        iters += 1
    if iters == max_ls:
        bracket = [Point(0, f0, start.g, gtd0), new]

    # Zoom: shrink the bracket, keeping its low end the best point that decreases enough.
    insufficient_progress = False
    low, high = (0, 1) if bracket[0].f <= bracket[-1].f else (1, 0)
    while not done and iters < max_ls:
        if abs(bracket[1].t - bracket[0].t) * d_norm < tolerance_change:
            break
        t = cubic_minimum(bracket[0], bracket[1])
        left, right = min(p.t for p in bracket), max(p.t for p in bracket)
        # Too close to an end of the bracket: move 10% of its width inside, unless the last
        # step was already a fair one.
        margin = 0.1 * (right - left)
        if min(right - t, t - left) < margin:
            if insufficient_progress or t >= right or t <= left:
                t = right - margin if abs(t - right) < abs(t - left) else left + margin
                insufficient_progress = False
            else:
                insufficient_progress = True
        else:
            insufficient_progress = False
        new = trial(t)
        evals += 1
        iters += 1
        if not sufficient_decrease(new) or new.f >= bracket[low].f:
            bracket[high] = new
            low, high = (0, 1) if bracket[0].f <= bracket[1].f else (1, 0)
        else:
            if curvature(new):
                done = True
            elif new.gtd * (bracket[high].t - bracket[low].t) >= 0:
                bracket[high] = bracket[low]
            bracket[low] = new
    return bracket[low], evals
