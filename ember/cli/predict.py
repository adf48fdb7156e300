"""`ember predict CHECKPOINT IMAGE...` (or `--onnx MODEL.onnx IMAGE...`): classify pictures with a
trained model."""

from __future__ import annotations

import argparse
import sys

import numpy as np

from .argtypes import positive_int
from .checkpoint import one_line
from .errors import CLIError
from .export import classifier
from .images import LAYOUTS, read_grayscale, to_training_layout

__all__ = ["add_parser"]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "predict", help="classify PNG or JPEG images with a checkpoint",
        description="Classify pictures (PNG, JPEG, or anything Pillow reads). Each is made to "
                    "look like the training images: grayscale, inverted when its background is "
                    "light, cropped to its content, scaled and centred in 28x28 as the dataset "
                    "was, and normalised as in training. Prints the predicted class and its "
                    "probability per image; a file that cannot be read gets an error line of "
                    "its own, and the exit status is then 1.")
    p.add_argument("checkpoint", help="a checkpoint.safetensors written by `ember train` (with "
                                      "--onnx: a MODEL.onnx written by `ember export`)")
    p.add_argument("images", nargs="+", metavar="IMAGE", help="image files to classify")
    p.add_argument("--onnx", action="store_true",
                   help="the model is an ONNX file written by `ember export`: run it in ONNX "
                        "Runtime")
    p.add_argument("--top", type=positive_int, default=1, metavar="K",
                   help="also list the K most probable classes (default: 1)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    model = classifier(args)
    layout, names = LAYOUTS[model.dataset], model.class_names
    # A bad file (missing, unreadable, blank) is reported on its own line; the rest are classified.
    fields: dict[str, np.ndarray] = {}
    problems: dict[str, str] = {}
    for path in args.images:
        try:
            fields[path] = to_training_layout(read_grayscale(path), layout, source=path)
        except CLIError as e:
            problems[path] = str(e)
    if fields:
        batch = (np.stack(list(fields.values()))[:, None] - np.float32(model.mean)) \
            / np.float32(model.std)
        probabilities = dict(zip(fields, model.probabilities(batch)))
    show_index = model.dataset != "mnist"  # MNIST's class names are the digits themselves
    for path in args.images:
        if path in problems:
            print(f"ember: error: {one_line(problems[path])}", file=sys.stderr, flush=True)
            continue
        p = probabilities[path]
        ranked = np.argsort(-p, kind="stable")[: min(args.top, len(names))]
        guesses = ", ".join(
            f"{f'{k} ' if show_index else ''}{names[k]} ({p[k]:.1%})" for k in ranked
        )
        print(f"{path}: {guesses}", flush=True)
    return 1 if problems else 0
