"""The results as a Markdown table (with the run's header) and as JSON."""

from __future__ import annotations

import json
import math

from .._atomic import atomic_write
from .rows import BASELINES, Target
from .run import RowResult

_LIB_TITLES = {"ember": "ember", "numpy": "NumPy", "torch": "PyTorch"}


STATS = ("min", "median")


def _seconds(result: RowResult, lib: str, stat: str) -> float:
    timing = result.timings[lib]
    return timing.min_s if stat == "min" else timing.median_s


def ratio(result: RowResult, baseline: str, stat: str) -> float | None:
    """ember's time ÷ the baseline's; for samples/s rows, ember's samples/s ÷ the baseline's.

    `stat` picks the min or the median time of each library."""
    if "ember" not in result.timings or baseline not in result.timings:
        return None
    ember, other = _seconds(result, "ember", stat), _seconds(result, baseline, stat)
    return other / ember if result.row.batch else ember / other


def target_status(result: RowResult, target: Target, stat: str) -> bool | None:
    """Whether ember meets `target` in this row; None when a library needed is missing."""
    if "ember" not in result.timings or target.baseline not in result.timings:
        return None
    return target.met(_seconds(result, "ember", stat), _seconds(result, target.baseline, stat))


def row_json(result: RowResult, stat: str) -> dict:
    row = result.row
    libs = {}
    for lib, timing in result.timings.items():
        libs[lib] = timing.as_dict()
        if row.batch:
            libs[lib]["samples_per_s"] = row.batch / timing.median_s
            libs[lib]["samples_per_s_best"] = row.batch / timing.min_s
    targets = [{"label": t.label, "baseline": t.baseline, "kind": t.kind, "value": t.value,
                "met": target_status(result, t, stat)} for t in row.targets]
    return {
        "name": row.name, "label": row.label, "unit": row.unit, "batch": row.batch,
        "published_s": row.published_s, "results": libs,
        "ratio_kind": "speed" if row.batch else "time",
        "ratios": {base: ratio(result, base, stat) for base in BASELINES},
        "targets": targets, "errors": result.errors,
    }


def write_json(path: str, meta: dict, results: list[RowResult]) -> None:
    doc = {"meta": meta, "rows": [row_json(r, meta["stat"]) for r in results]}
    atomic_write(path, json.dumps(doc, indent=2, allow_nan=False) + "\n")


def format_seconds(s: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if s >= scale:
            return f"{_sig3(s / scale)} {unit}"
    return f"{_sig3(s / 1e-9)} ns"


def _sig3(x: float) -> str:
    return f"{x:.{max(0, 2 - math.floor(math.log10(x)))}f}" if x > 0 else "0"


def _format_rate(per_s: float) -> str:
    for unit, scale in (("M", 1e6), ("k", 1e3)):
        if per_s >= scale:
            return f"{_sig3(per_s / scale)}{unit}/s"
    return f"{_sig3(per_s)}/s"


def _cell(result: RowResult, lib: str, stat: str) -> str:
    """The stat the ratios use, then the other one in parentheses."""
    if lib not in result.timings:
        return "error" if lib in result.errors else "—"
    other = "median" if stat == "min" else "min"
    first, second = _seconds(result, lib, stat), _seconds(result, lib, other)
    if result.row.batch:
        batch = result.row.batch
        return f"{_format_rate(batch / first)} ({_format_rate(batch / second)})"
    return f"{format_seconds(first)} ({format_seconds(second)})"


def _ratio_cell(result: RowResult, baseline: str, stat: str) -> str:
    r = ratio(result, baseline, stat)
    if r is None:
        return "—"
    return f"{r:.2f}× speed" if result.row.batch else f"{r:.2f}×"


def _met_cell(result: RowResult, stat: str) -> str:
    """One mark per target, in the order of the target column."""
    marks = []
    for target in result.row.targets:
        status = target_status(result, target, stat)
        mark = "?" if status is None else "✅" if status else "❌"
        if status is not None and target.kind == "extra":
            extra = _seconds(result, "ember", stat) - _seconds(result, target.baseline, stat)
            mark += f" (+{extra * 1e6:.2f} µs)"
        marks.append(mark)
    return " ".join(marks) or "—"


def _blas_line(pool: dict) -> str:
    kernel = pool.get("architecture") or pool.get("corename")
    parts = [f"{pool.get('internal_api', '?')} {pool.get('version') or ''}".strip()]
    if kernel:
        parts.append(f"kernel {kernel}")
    if pool.get("threading_layer"):
        parts.append(f"{pool['threading_layer']} threading")
    parts.append(f"{pool.get('num_threads')} thread(s)")
    path = pool.get("filepath", "")
    return f"{', '.join(parts)} — `{path.rsplit('/', 1)[-1]}`"


_CLOCK_WORDS = {"wall": "wall-clock time", "cpu": "CPU time of the timing thread"}


def header(meta: dict) -> list[str]:
    torch = f"PyTorch {meta['torch']}" if meta["torch"] else "PyTorch not installed"
    lines = [
        f"## ember benchmarks — {meta['dtype']}, {meta['threads']} thread(s)",
        "",
        f"- Command: `{meta['command']}`",
        f"- Versions: Python {meta['python']}, NumPy {meta['numpy']}, ember {meta['ember']}, "
        f"{torch}, threadpoolctl {meta['threadpoolctl'] or 'not installed'}",
        f"- Machine: {meta['cpu']}, nproc {meta['nproc']} ({meta['cpus_usable']} usable), "
        f"{meta['memory_gib']} GiB memory; {meta['platform']}",
        f"- Threads: {meta['threads']} per library; torch.get_num_threads() = "
        f"{meta['torch_threads']}; "
        + ", ".join(f"{k}={v}" for k, v in meta["thread_env"].items() if v is not None),
        f"- OPENBLAS_CORETYPE: {meta['openblas_coretype'] or 'not set'}",
    ]
    if meta.get("torch_cpu_capability"):
        lines.append(f"- PyTorch CPU capability: {meta['torch_cpu_capability']}")
    if meta["blas"] is None:
        lines.append("- Thread pools: unknown (threadpoolctl is not installed; BLAS threads are "
                     "set only through the environment)")
    else:
        lines += [f"- Thread pool: {_blas_line(pool)}" for pool in meta["blas"]]
    budget, stat = meta["budget"], meta["stat"]
    other = "median" if stat == "min" else "min"
    lines += [
        f"- Timing: {_CLOCK_WORDS[budget.get('clock', 'wall')]} per call, {stat} ({other}) over "
        f"≥{budget['min_rounds']} rounds, ~{budget['seconds']} s per row and library after "
        f"warm-up, libraries interleaved round by round. Ratios and targets use the {stat} times.",
        "",
    ]
    return lines


_LEGEND = [
    "",
    "Ratios are ember's time ÷ the other library's (below 1: ember is faster), except in rows "
    "shown in samples/s, where they are ember's samples/s ÷ the other's (\"speed\", above 1: "
    "ember is faster; their figures are rates at the min and the median time). Targets are set "
    "for float32 at 1 thread.",
    "The last column holds the times published for a Go implementation of the same operations "
    "(float64, on another machine): a reference point, not part of this run.",
]


def markdown(meta: dict, results: list[RowResult]) -> str:
    stat = meta["stat"]
    titles = [_LIB_TITLES[lib] for lib in ("ember", "numpy", "torch")]
    lines = header(meta)
    lines.append(f"| row | {' | '.join(titles)} | ember/NumPy | ember/PyTorch | targets | met "
                 "| published Go time (float64, other machine) |")
    lines.append("|---" * 9 + "|")
    for r in results:
        label = r.row.label + (" (samples/s)" if r.row.batch else "")
        published = format_seconds(r.row.published_s) if r.row.published_s else "—"
        cells = [f"`{r.row.name}` {label}",
                 *(_cell(r, lib, stat) for lib in ("ember", "numpy", "torch")),
                 *(_ratio_cell(r, base, stat) for base in BASELINES),
                 " and ".join(t.label for t in r.row.targets) or "—", _met_cell(r, stat),
                 published]
        lines.append("| " + " | ".join(cells) + " |")
    lines += _LEGEND
    errors = [f"- `{r.row.name}` {lib}: {msg}" for r in results for lib, msg in r.errors.items()]
    if errors:
        lines += ["", "Errors:", *errors]
    return "\n".join(lines) + "\n"
