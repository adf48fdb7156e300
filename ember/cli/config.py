"""A training run's configuration: what `ember train` was asked for, stored in every checkpoint.

Flags the user leaves out get the defaults below on a new run and the checkpoint's values on
--resume; a flag given with --resume must agree with the checkpoint, because changing the recipe
halfway would make the resumed run differ from an uninterrupted one.
"""

from __future__ import annotations

import dataclasses
from argparse import Namespace
from dataclasses import dataclass
from typing import Any

from ..models import MODELS
from .data import DATASETS
from .errors import CLIError

__all__ = ["DEFAULTS", "OPTIMIZERS", "SCHEDULERS", "TrainConfig", "resolve_config"]

OPTIMIZERS = ("sgd", "adam", "adamw")
SCHEDULERS = ("onecycle", "cosine", "none")

# Defaults that do not depend on the optimizer. A 3-epoch CNN on MNIST passes 98% with these.
DEFAULTS: dict[str, Any] = {
    "dataset": "mnist",
    "model": "cnn",
    "epochs": 3,
    "batch_size": 64,
    "optimizer": "adam",
    "momentum": 0.9,
    "scheduler": "onecycle",
    "seed": 0,
    "limit_train": None,
    "limit_test": None,
}
# The peak learning rate (OneCycleLR's max_lr) and the weight decay, per optimizer. The weight
# decays are PyTorch's defaults (AdamW decays by 0.01, the others not at all).
DEFAULT_LR = {"sgd": 0.05, "adam": 3e-3, "adamw": 3e-3}
DEFAULT_WEIGHT_DECAY = {"sgd": 0.0, "adam": 0.0, "adamw": 0.01}


@dataclass(frozen=True)
class TrainConfig:
    dataset: str
    model: str
    epochs: int
    batch_size: int
    lr: float
    optimizer: str
    momentum: float  # used by SGD only
    weight_decay: float
    scheduler: str
    seed: int
    limit_train: int | None  # train on the first N images only (None: all)
    limit_test: int | None
    mean: float  # input normalisation, so evaluate and predict prepare images the same way
    std: float

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, saved: dict[str, Any], source: str) -> TrainConfig:
        names = [f.name for f in dataclasses.fields(cls)]
        missing = [n for n in names if n not in saved]
        if missing:
            raise CLIError(f"{source}: its training config lacks {', '.join(missing)}; "
                           "the file was not written by this version of `ember train`")
        config = cls(**{n: saved[n] for n in names})
        if config.model not in MODELS or config.dataset not in DATASETS:
            raise CLIError(f"{source}: its config names model {config.model!r} on dataset "
                           f"{config.dataset!r}, which this version of ember does not know")
        return config

    def describe(self) -> str:
        return f"{self.model} on {self.dataset}"


def resolve_config(args: Namespace, saved: TrainConfig | None) -> TrainConfig:
    """The config of a new run (saved is None) or of one resumed from `saved`."""
    names = [f.name for f in dataclasses.fields(TrainConfig) if f.name not in ("mean", "std")]
    given = {n: getattr(args, n) for n in names if getattr(args, n, None) is not None}
    if saved is None:
        values = {**DEFAULTS, **given}
        optimizer = values["optimizer"]
        values.setdefault("lr", DEFAULT_LR[optimizer])
        values.setdefault("weight_decay", DEFAULT_WEIGHT_DECAY[optimizer])
        info = DATASETS[values["dataset"]]
        return TrainConfig(**values, mean=info.mean, std=info.std)
    conflicts = {
        n: value for n, value in given.items()
        if value != getattr(saved, n) and not (n == "epochs" and saved.scheduler == "none")
    }
    if conflicts:
        listed = "; ".join(
            f"--{n.replace('_', '-')} {v} (the checkpoint has {getattr(saved, n)})"
            for n, v in conflicts.items()
        )
        why = ("" if "epochs" not in conflicts else
               " (--epochs may change only with --scheduler none: the schedule spans all epochs)")
        raise CLIError(
            f"--resume continues the run with its saved settings, but {listed}; drop those flags "
            f"to resume, or train with other settings into a new --out{why}"
        )
    return dataclasses.replace(saved, epochs=given.get("epochs", saved.epochs))
