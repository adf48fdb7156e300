"""`ember train`: train a model on MNIST or Fashion-MNIST, with checkpoints, metrics and plots.

A run lives in its --out directory: checkpoint.safetensors (the last epoch, or where Ctrl-C
stopped it), metrics.csv, the plots and example.png. An existing checkpoint is never replaced by
accident: a new run into the same directory needs --overwrite, and --resume continues it; --resume
of a finished run reports its result and writes any of its files that are missing.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from ..data import DataLoader
from ..models import MODELS, build_model
from ..optim import SGD, Adam, AdamW, Optimizer
from ..optim.lr_scheduler import CosineAnnealingLR, LRScheduler, OneCycleLR
from ..random import Generator, manual_seed
from . import distributed
from .argtypes import add_threads_argument, non_negative_float, positive_float, positive_int
from .checkpoint import CHECKPOINT_NAME, load_checkpoint, plural, restore_model
from .config import OPTIMIZERS, SCHEDULERS, TrainConfig, resolve_config
from .data import DATASETS, Split, data_root, load_split
from .errors import CLIError
from .evaluate import EVAL_BATCH_SIZE
from .interrupt import StopRequest
from .plot import EXAMPLE_NAME, write_run_files
from .plots import PLOT_NAMES
from .progress import fresh_line
from .trainer import Trainer

__all__ = ["add_parser", "build_optimizer", "build_scheduler"]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "train", help="train a model, with checkpoints, metrics.csv and plots",
        description="Train a model on MNIST or Fashion-MNIST. Each epoch ends with a score on "
                    "the test set, a checkpoint and a row of metrics.csv in --out. Ctrl-C saves "
                    "a checkpoint; --resume continues from it with the same result as a run "
                    "that was never interrupted. Flags left out take the defaults shown, or on "
                    "--resume the checkpoint's values.")
    p.add_argument("--dataset", choices=sorted(DATASETS), help="default: mnist")
    p.add_argument("--model", choices=sorted(MODELS), help="default: cnn")
    p.add_argument("--epochs", type=positive_int, metavar="N", help="default: 3")
    p.add_argument("--batch-size", type=positive_int, metavar="B", help="default: 64")
    p.add_argument("--lr", type=positive_float, metavar="LR",
                   help="peak learning rate; default: 0.003 for adam and adamw, 0.05 for sgd")
    p.add_argument("--optimizer", choices=OPTIMIZERS, help="default: adam")
    p.add_argument("--momentum", type=non_negative_float, metavar="M",
                   help="SGD momentum; default: 0.9")
    p.add_argument("--weight-decay", type=non_negative_float, metavar="WD",
                   help="default: 0.01 for adamw, else 0")
    p.add_argument("--scheduler", choices=SCHEDULERS,
                   help="learning-rate schedule over all steps; default: onecycle")
    p.add_argument("--seed", type=int, metavar="S", help="default: 0")
    p.add_argument("--limit-train", type=positive_int, metavar="N",
                   help="train on the first N training images only (quick runs)")
    p.add_argument("--limit-test", type=positive_int, metavar="N",
                   help="score on the first N test images only")
    p.add_argument("--out", metavar="DIR",
                   help="directory of the run (default: runs/<dataset>-<model>)")
    again = p.add_mutually_exclusive_group()
    again.add_argument("--resume", action="store_true",
                       help="continue the run whose checkpoint is in --out")
    again.add_argument("--overwrite", action="store_true",
                       help="start a new run even though --out holds a checkpoint, replacing it")
    p.add_argument("--data-root", metavar="DIR", help="where to look for (and download) data")
    p.add_argument("--no-download", action="store_true",
                   help="fail instead of downloading a missing dataset")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    add_threads_argument(p)
    distributed.add_arguments(p)
    p.add_argument("--no-progress", action="store_true",
                   help="no progress bars (they show only on a terminal anyway)")
    p.set_defaults(run=run)


def build_optimizer(config: TrainConfig, params) -> Optimizer:
    if config.optimizer == "sgd":
        return SGD(params, lr=config.lr, momentum=config.momentum,
                   weight_decay=config.weight_decay)
    optimizer = {"adam": Adam, "adamw": AdamW}[config.optimizer]
    return optimizer(params, lr=config.lr, weight_decay=config.weight_decay)


def build_scheduler(config: TrainConfig, optimizer: Optimizer,
                    steps_per_epoch: int) -> LRScheduler | None:
    """The schedule, stepped after every batch."""
    total_steps = config.epochs * steps_per_epoch
    if config.scheduler == "onecycle":
        return OneCycleLR(optimizer, max_lr=config.lr, total_steps=total_steps)
    if config.scheduler == "cosine":
        return CosineAnnealingLR(optimizer, T_max=total_steps)
    return None


def run(args: argparse.Namespace) -> int:
    status = distributed.launch(args)  # --nproc N: this command again, as N MPI processes
    if status is not None:
        return status
    world = distributed.join(args)  # one of the processes of a data-parallel run, or None
    out = Path(args.out or f"runs/{args.dataset or 'mnist'}-{args.model or 'cnn'}")
    checkpoint_path = out / CHECKPOINT_NAME
    if out.exists() and not out.is_dir():
        raise CLIError(f"--out {out} is a file, not a directory; choose another --out")
    ckpt = None
    if args.resume:
        if not checkpoint_path.exists():
            raise CLIError(f"--resume: {out} holds no {CHECKPOINT_NAME} to resume from; "
                           "drop --resume to start a new run there")
        ckpt = load_checkpoint(checkpoint_path)
        config = resolve_config(args, ckpt["config"])
    else:
        if checkpoint_path.exists() and not args.overwrite:
            raise CLIError(f"{out} already holds a checkpoint ({checkpoint_path}); pass --resume "
                           "to continue that run, or --overwrite to replace it with a new one, "
                           "or choose another --out")
        config = resolve_config(args, None)
        if args.overwrite:  # the old run's metrics and plots would mislead until replaced
            for name in ("metrics.csv", EXAMPLE_NAME, *PLOT_NAMES):
                (out / name).unlink(missing_ok=True)

    load = {"mean": config.mean, "std": config.std, "download": not args.no_download,
            "root": data_root(args.data_root, None if ckpt is None else ckpt.get("data_root"))}
    train = load_split(config.dataset, True, limit=config.limit_train, **load)
    test = load_split(config.dataset, False, limit=config.limit_test, **load)
    show_progress = False if args.no_progress else None  # None: on a terminal only
    trainer = _build_trainer(config, train, test, out, ckpt, show_progress, world)
    if trainer.done:
        print(f"{checkpoint_path} is a finished run of {plural(config.epochs, 'epoch')}; "
              "nothing to train (--overwrite trains anew)")
        return _report(trainer, test, args.no_plots) if trainer.writes_files else 0
    p = trainer.position
    start = f", resuming at epoch {p.epoch + 1} batch {p.batch}" if ckpt is not None else ""
    print(f"training {config.describe()} ({len(train.targets)} training and "
          f"{len(test.targets)} test images), {plural(config.epochs, 'epoch')}, "
          f"{config.optimizer} lr {config.lr:g}, batch {config.batch_size}, seed {config.seed}"
          f"{start}", flush=True)

    try:
        with StopRequest() as stop:
            finished = trainer.fit(stop)
    except KeyboardInterrupt:  # a second Ctrl-C: stop at once; the checkpoint on disk is whole
        if trainer.saved is None:
            return _interrupted("again, before this run saved a checkpoint; run the same "
                                "command again to start it over")
        return _interrupted(f"again; {checkpoint_path} is intact and holds the run as it was "
                            f"{_where(trainer)}; resume with: {_resume_command(out)}")
    if not finished:
        return _interrupted(f"{_where(trainer)}; saved {checkpoint_path}; resume with: "
                            f"{_resume_command(out)}", stop.exit_code)
    return _report(trainer, test, args.no_plots) if trainer.writes_files else 0


def _interrupted(message: str, exit_code: int = 130) -> int:
    fresh_line()
    print(f"ember: interrupted {message}", file=sys.stderr)
    return exit_code


def _where(trainer: Trainer) -> str:
    """Where the run stood when its checkpoint on disk was saved."""
    epoch, batch = trainer.saved
    if batch:
        return f"in epoch {epoch + 1} after batch {batch}/{len(trainer.train_loader)}"
    return f"after epoch {epoch}"


def _resume_command(out: Path) -> str:
    return f"ember train --out {shlex.quote(str(out))} --resume"


def _build_trainer(config: TrainConfig, train: Split, test: Split, out: Path,
                   ckpt: dict | None, show_progress: bool | None,
                   world: distributed.World | None = None) -> Trainer:
    manual_seed(config.seed)
    if ckpt is None:
        model = build_model(config.model)
    else:
        model = restore_model(ckpt, out / CHECKPOINT_NAME)
    optimizer = build_optimizer(config, model.parameters())
    shuffle = Generator().manual_seed(config.seed)
    train_loader = DataLoader(train.dataset, batch_size=config.batch_size, shuffle=True,
                              generator=shuffle)
    test_loader = DataLoader(test.dataset, batch_size=EVAL_BATCH_SIZE)
    scheduler = build_scheduler(config, optimizer, len(train_loader))
    parts = (config, model, optimizer, scheduler, train_loader, test_loader, shuffle, out,
             show_progress)
    trainer = (Trainer(*parts, data_root=train.root) if world is None
               else distributed.DistributedTrainer(world, *parts, data_root=train.root))
    if ckpt is not None:
        trainer.load_state_dict(ckpt)
    return trainer


def _report(trainer: Trainer, test: Split, no_plots: bool) -> int:
    """Print the result and where the run's files are, writing the plots and example.png: all of
    them after training, the missing ones for a run that finished earlier."""
    out, final = trainer.out, trainer.position.history[-1]
    seconds = sum(row["seconds"] for row in trainer.position.history)
    print(f"test accuracy: {final['test_acc']:.2%} after {plural(final['epoch'], 'epoch')} "
          f"({seconds:.1f} s of training)")
    print(f"checkpoint: {trainer.checkpoint_path}")
    print(f"metrics:    {out / 'metrics.csv'}", flush=True)
    try:
        write_run_files(out, trainer.config, trainer.position.history, test, trainer.model,
                        trainer.last_evaluation, only_missing=trainer.last_evaluation is None,
                        plots=not no_plots)
    except KeyboardInterrupt:
        return _interrupted("while writing the plots; the run itself is complete and saved; "
                            f"draw them with: ember plot {shlex.quote(str(out))}")
    if not no_plots:
        print(f"plots:      {', '.join(str(out / name) for name in PLOT_NAMES)}")
    subject = ("a digit drawn in a paint program" if trainer.config.dataset == "mnist"
               else "a photo of a garment on a plain background")
    print(f"predict the class of an image (PNG or JPEG, e.g. {subject}):")
    print(f"  ember predict {shlex.quote(str(trainer.checkpoint_path))} "
          f"{shlex.quote(str(out / EXAMPLE_NAME))}")
    return 0
