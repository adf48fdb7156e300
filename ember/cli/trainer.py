"""The training loop of `ember train`: epochs of batches, a score on the test set after each,
checkpoints, metrics.csv, and stopping cleanly (and resumably) on Ctrl-C.

Resuming is bit-exact, in mid-epoch too. A run's randomness comes from two generators: the
DataLoader's shuffle generator, which draws each epoch's order when the epoch's iteration starts,
and ember's global generator (dropout). A checkpoint holds the shuffle generator's state at the
start of the epoch in progress and the global state after the last finished batch; resuming
replays the epoch's order from the former, skips the batches already done, and restores the
latter before the next step. Scoring draws no random numbers.
"""

from __future__ import annotations

import collections
import itertools
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import nn
from ..data import DataLoader
from ..optim import Optimizer
from ..optim.lr_scheduler import LRScheduler
from ..random import Generator, get_rng_state, set_rng_state
from ..serialization import save
from ..tensor import Tensor
from .checkpoint import CHECKPOINT_NAME, FORMAT, VERSION
from .config import TrainConfig
from .errors import CLIError
from .evaluate import Evaluation, evaluate_model
from .interrupt import StopRequest
from .metrics import write_metrics_csv
from .progress import progress_bar

__all__ = ["Position", "Trainer"]


@dataclass
class Position:
    """How far a run has come, and the sums of the epoch in progress."""

    epoch: int = 0  # epochs completed
    batch: int = 0  # batches completed in the epoch in progress
    loss_sum: float = 0.0  # sum over its samples so far of the training loss
    correct: int = 0
    seen: int = 0
    seconds: float = 0.0  # spent training in it so far
    history: list[dict[str, Any]] = field(default_factory=list)  # a metrics row per epoch


class Trainer:
    writes_files = True  # False on the ranks of a data-parallel run other than 0

    def __init__(
        self,
        config: TrainConfig,
        model: nn.Module,
        optimizer: Optimizer,
        scheduler: LRScheduler | None,
        train_loader: DataLoader,
        test_loader: DataLoader,
        shuffle_generator: Generator,
        out: Path,
        show_progress: bool | None = None,
        data_root: Path | None = None,
    ) -> None:
        self.config = config
        self.model = model
        self.optimizer = optimizer
        self.scheduler = scheduler
        self.train_loader = train_loader
        self.test_loader = test_loader
        self.shuffle_generator = shuffle_generator
        self.out = out
        self.show_progress = show_progress
        self.data_root = data_root  # where the dataset was found, so that evaluate finds it too
        self.criterion = nn.CrossEntropyLoss()
        self.position = Position()
        self.epoch_start_shuffle_state = shuffle_generator.get_state()
        self.pending_rng_state: Tensor | None = None  # set by resume, applied before next step
        self.last_evaluation: Evaluation | None = None
        self.saved: tuple[int, int] | None = None  # (epoch, batch) of the checkpoint on disk

    @property
    def checkpoint_path(self) -> Path:
        return self.out / CHECKPOINT_NAME

    @property
    def done(self) -> bool:
        return self.position.epoch >= self.config.epochs

    # ---- checkpoints ------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        p = self.position
        return {
            "format": FORMAT,
            "version": VERSION,
            "config": self.config.to_dict(),
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": None if self.scheduler is None else self.scheduler.state_dict(),
            "epoch": p.epoch,
            "batch": p.batch,
            "running": {"loss_sum": p.loss_sum, "correct": p.correct, "seen": p.seen,
                        "seconds": p.seconds},
            "rng": {
                "global": get_rng_state() if self.pending_rng_state is None
                else self.pending_rng_state,
                "loader": self.epoch_start_shuffle_state,
            },
            "history": p.history,
            "data_root": None if self.data_root is None else str(self.data_root),
        }

    def load_state_dict(self, ckpt: dict[str, Any]) -> None:
        """Continue from a checkpoint (whose model weights are already loaded)."""
        try:
            self.optimizer.load_state_dict(ckpt["optimizer"])
            if self.scheduler is not None:
                self.scheduler.load_state_dict(ckpt["scheduler"])
            running = ckpt["running"]
            position = Position(
                epoch=int(ckpt["epoch"]), batch=int(ckpt["batch"]),
                loss_sum=float(running["loss_sum"]), correct=int(running["correct"]),
                seen=int(running["seen"]), seconds=float(running["seconds"]),
                history=list(ckpt["history"]),
            )
            rng = ckpt["rng"]
            self.shuffle_generator.set_state(rng["loader"])
            self.pending_rng_state = rng["global"]
            self.epoch_start_shuffle_state = rng["loader"]
            set_rng_state(rng["global"])  # validates it now; set again before the next step
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise CLIError(f"{self.checkpoint_path}: its training state is damaged ({e!r}); "
                           "train again with --overwrite") from None
        if not 0 <= position.batch <= len(self.train_loader):
            raise CLIError(f"{self.checkpoint_path}: it stopped at batch {position.batch}, but "
                           f"an epoch has {len(self.train_loader)}; the file is damaged")
        self.position = position
        self.saved = (position.epoch, position.batch)

    def save(self) -> None:
        if self.writes_files:
            self.out.mkdir(parents=True, exist_ok=True)
            save(self.state_dict(), self.checkpoint_path)
        self.saved = (self.position.epoch, self.position.batch)  # every rank: rank 0 wrote it

    # ---- training ---------------------------------------------------------------------------
    def fit(self, stop: StopRequest) -> bool:
        """Train the remaining epochs: True when done, False when stopped by `stop` (after
        saving a checkpoint to resume from)."""
        while not self.done:
            if not self._train_epoch(stop):
                self.save()
                return False
            evaluation = evaluate_model(self.model, self.test_loader,
                                        show_progress=self.show_progress, stop=stop.requested)
            if evaluation is None:  # resuming will score again
                self.save()
                return False
            self._finish_epoch(evaluation)
            if stop.requested():  # the epoch's checkpoint is saved already
                return False
        return True

    # --8<-- [start:train-epoch]
    def _train_epoch(self, stop: StopRequest) -> bool:
        p, loader = self.position, self.train_loader
        self.shuffle_generator.set_state(self.epoch_start_shuffle_state)
        batches = iter(loader)
        # Replay the batches already done (all of them when stopped while scoring): drawing the
        # epoch's order advances the shuffle generator as in an uninterrupted run.
        collections.deque(itertools.islice(batches, p.batch), maxlen=0)
        if self.pending_rng_state is not None:
            set_rng_state(self.pending_rng_state)
            self.pending_rng_state = None
        self.model.train()
        desc = f"epoch {p.epoch + 1}/{self.config.epochs}"
        bar = progress_bar(len(loader.dataset), desc, self.show_progress, initial=p.seen)
        start = time.perf_counter()
        with bar:
            for x, y in batches:
                loss, correct = self._train_step(x, y)
                n = len(y)
                p.loss_sum += loss * n
                p.correct += correct
                p.seen += n
                p.batch += 1
                bar.update(n)
                bar.set_postfix_str(f"loss {p.loss_sum / p.seen:.4f} acc {p.correct / p.seen:.2%}",
                                    refresh=False)
                if stop.requested():
                    break
        p.seconds += time.perf_counter() - start
        return p.batch == len(loader)

    def _train_step(self, x: Tensor, y: Tensor) -> tuple[float, int]:
        """One optimisation step; the batch's mean loss and number of correct predictions."""
        self.optimizer.zero_grad()
        logits = self.model(x)
        loss = self.criterion(logits, y)
        loss.backward()
        self.optimizer.step()
        if self.scheduler is not None:
            self.scheduler.step()
        return loss.item(), (logits.argmax(dim=1) == y).sum().item()
    # --8<-- [end:train-epoch]

    def _finish_epoch(self, evaluation: Evaluation) -> None:
        p = self.position
        row = {
            "epoch": p.epoch + 1,
            "train_loss": p.loss_sum / p.seen,
            "train_acc": p.correct / p.seen,
            "test_loss": evaluation.loss,
            "test_acc": evaluation.accuracy,
            "lr": float(self.optimizer.param_groups[0]["lr"]),
            "seconds": p.seconds,
            "samples_per_s": p.seen / p.seconds if p.seconds > 0 else 0.0,
        }
        self.position = Position(epoch=p.epoch + 1, history=[*p.history, row])
        self.epoch_start_shuffle_state = self.shuffle_generator.get_state()
        self.last_evaluation = evaluation
        self.save()
        if self.writes_files:
            write_metrics_csv(self.out / "metrics.csv", self.position.history)
        print(
            f"epoch {row['epoch']}/{self.config.epochs}: "
            f"train loss {row['train_loss']:.4f} acc {row['train_acc']:.2%} | "
            f"test loss {row['test_loss']:.4f} acc {row['test_acc']:.2%} | "
            f"lr {row['lr']:.3g} | {row['seconds']:.1f}s, {row['samples_per_s']:.0f} img/s",
            flush=True,
        )
