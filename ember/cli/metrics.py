"""metrics.csv: one row per completed epoch, rewritten atomically after each."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from .._atomic import atomic_write

__all__ = ["COLUMNS", "write_metrics_csv"]

# seconds: time spent training in the epoch (not scoring); samples_per_s: training throughput
COLUMNS = ("epoch", "train_loss", "train_acc", "test_loss", "test_acc", "lr", "seconds",
           "samples_per_s")


def write_metrics_csv(path: Path, history: list[dict[str, Any]]) -> None:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in history:
        writer.writerow(
            f"{row[c]:.6g}" if isinstance(row[c], float) else row[c] for c in COLUMNS
        )
    atomic_write(path, text.getvalue())
