"""`ember plot RUN_DIR`: write a run's plots, metrics.csv and example.png again from its
checkpoint, after Ctrl-C stopped them halfway or they were deleted. `ember train --resume` of a
finished run uses the same code to replace only the files that are missing."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from .. import nn
from .._atomic import atomic_path
from ..data import DataLoader
from .argtypes import add_threads_argument
from .checkpoint import CHECKPOINT_NAME, load_checkpoint, restore_model
from .config import TrainConfig
from .data import DATASETS, Split, data_root, load_split
from .errors import CLIError
from .evaluate import EVAL_BATCH_SIZE, Evaluation, evaluate_model
from .metrics import write_metrics_csv
from .plots import PLOT_NAMES, save_plots

__all__ = ["EXAMPLE_NAME", "add_parser", "write_run_files"]

EXAMPLE_NAME = "example.png"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "plot", help="draw the plots of a run again, from its checkpoint",
        description="Write the PNG plots, metrics.csv and example.png of an `ember train` run "
                    "again, from its checkpoint: the curves from its metrics, the others from "
                    "a new score of its weights on the test set.")
    p.add_argument("run_dir", metavar="RUN_DIR", help="the --out directory of an `ember train` run")
    p.add_argument("--data-root", metavar="DIR", help="where to look for the dataset files "
                   "first (default: where the run found them)")
    p.add_argument("--no-download", action="store_true",
                   help="fail instead of downloading a missing dataset")
    add_threads_argument(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    out = Path(args.run_dir)
    path = out / CHECKPOINT_NAME
    if not path.exists() and out.is_file():
        raise CLIError(f"{out} is a file; pass the --out directory of an `ember train` run")
    ckpt = load_checkpoint(path)
    config: TrainConfig = ckpt["config"]
    if not ckpt["history"]:
        raise CLIError(f"{out} has not finished an epoch yet, so there is nothing to plot; "
                       f"continue the run with: ember train --out {out} --resume")
    model = restore_model(ckpt, path)
    test = load_split(config.dataset, False, mean=config.mean, std=config.std,
                      root=data_root(args.data_root, ckpt.get("data_root")),
                      limit=config.limit_test, download=not args.no_download)
    written = write_run_files(out, config, ckpt["history"], test, model)
    print(f"wrote {', '.join(str(p) for p in written)}")
    if ckpt["batch"]:
        print(f"note: the run stopped in epoch {ckpt['epoch'] + 1}; the plots of test images "
              "show its weights as they were then")
    return 0


def write_run_files(out: Path, config: TrainConfig, history: list[dict[str, Any]], test: Split,
                    model: nn.Module, evaluation: Evaluation | None = None, *,
                    only_missing: bool = False, plots: bool = True) -> list[Path]:
    """Write metrics.csv, the plots (when `plots`) and example.png into `out`; with
    `only_missing`, only those that do not exist. `evaluation` is the model's score on `test`
    when already known. Returns the paths written."""
    wanted = ["metrics.csv", *(PLOT_NAMES if plots else ()), EXAMPLE_NAME]
    if only_missing:
        wanted = [name for name in wanted if not (out / name).exists()]
    written = []
    if "metrics.csv" in wanted:
        write_metrics_csv(out / "metrics.csv", history)
        written.append(out / "metrics.csv")
    names = [name for name in PLOT_NAMES if name in wanted]
    if names:
        if evaluation is None:
            evaluation = evaluate_model(model, DataLoader(test.dataset, batch_size=EVAL_BATCH_SIZE))
        written += save_plots(out, history, evaluation, test.images,
                              DATASETS[config.dataset].class_names, names)
    if EXAMPLE_NAME in wanted:
        written.append(_save_example(out / EXAMPLE_NAME, test))
    return written


def _save_example(path: Path, test: Split) -> Path:
    """The first test image, enlarged and drawn dark on light as a user's picture would be."""
    from PIL import Image

    picture = Image.fromarray(np.ascontiguousarray(255 - test.images[0]))
    with atomic_path(path) as tmp:
        picture.resize((112, 112), Image.Resampling.NEAREST).save(tmp)
    return path
