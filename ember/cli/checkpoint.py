"""The checkpoints `ember train` writes (safetensors files, via ember.save) and their checks.

A checkpoint is a dict::

    format, version   "ember-train-checkpoint", 1
    config            TrainConfig.to_dict(): model, dataset, hyperparameters, normalisation
    model             the model's state_dict
    optimizer         the optimizer's state_dict
    scheduler         the LR scheduler's state_dict, or None
    epoch, batch      epochs completed, and batches completed within the next epoch (non-zero
                      only for a checkpoint saved by Ctrl-C in mid-epoch)
    running           that epoch's sums so far: loss_sum, correct, seen, seconds
    rng               "global": ember.get_rng_state() (dropout); "loader": the shuffle
                      generator's state at the start of that epoch
    history           one dict of metrics per completed epoch (the rows of metrics.csv)
    data_root         the data root the dataset was found in (a str; missing in older
                      checkpoints): evaluate, plot and --resume look there first
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .. import nn
from ..models import build_model
from ..serialization import CheckpointError, load
from .config import TrainConfig
from .errors import CLIError

__all__ = ["CHECKPOINT_NAME", "FORMAT", "VERSION", "load_checkpoint", "restore_model"]

CHECKPOINT_NAME = "checkpoint.safetensors"
FORMAT = "ember-train-checkpoint"
VERSION = 1
_KEYS = ("config", "model", "optimizer", "scheduler", "epoch", "batch", "running", "rng",
         "history")


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """The checkpoint at `path`, with its config as a TrainConfig; CLIError if it is missing,
    unreadable, or not written by `ember train`."""
    path = Path(path)
    if not path.is_file():
        what = "is a directory, not a checkpoint file" if path.is_dir() else "does not exist"
        raise CLIError(f"{path} {what}; pass the checkpoint.safetensors that `ember train` "
                       "wrote into its --out directory")
    try:
        ckpt = load(path)
    except CheckpointError as e:
        raise CLIError(f"{one_line(e)}; the file is damaged (an interrupted copy?): restore it "
                       "or train again") from None
    except OSError as e:
        raise CLIError(f"cannot read {path}: {e.strerror or e}") from None
    if not (isinstance(ckpt, dict) and ckpt.get("format") == FORMAT):
        raise CLIError(f"{path} is a safetensors file but not a checkpoint of `ember train` (it "
                       "has no training config); pass a checkpoint.safetensors from `ember train`")
    if ckpt.get("version") != VERSION or any(k not in ckpt for k in _KEYS):
        raise CLIError(f"{path} is a checkpoint of another version of `ember train` "
                       f"(format version {ckpt.get('version')!r}, this one reads {VERSION}); "
                       "evaluate it with that version, or train again")
    if not isinstance(ckpt["config"], dict):
        raise CLIError(f"{path}: its training config is damaged; train again")
    ckpt["config"] = TrainConfig.from_dict(ckpt["config"], str(path))
    return ckpt


def restore_model(ckpt: dict[str, Any], path: str | Path) -> nn.Module:
    """The model named by the checkpoint's config, with the checkpoint's weights."""
    config: TrainConfig = ckpt["config"]
    model = build_model(config.model)
    try:
        model.load_state_dict(ckpt["model"])
    except (RuntimeError, KeyError, TypeError, ValueError, AttributeError) as e:
        raise CLIError(f"{path}: its weights do not fit the {config.model} model its config "
                       f"names ({one_line(e)}); the file was altered or mixed up with another "
                       "model's: train again") from None
    return model


def one_line(error: BaseException | str, limit: int = 300) -> str:
    """An error message squeezed onto one line (state-dict errors span several)."""
    text = re.sub(r"\s+", " ", str(error)).strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."


def plural(n: int, noun: str) -> str:
    """"1 epoch", "3 epochs"."""
    return f"{n} {noun}{'' if n == 1 else 's'}"
