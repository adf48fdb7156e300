"""`ember export CHECKPOINT MODEL.onnx`, and the ONNX side of `ember predict --onnx MODEL.onnx`.

The exported model takes a batch of prepared images, float32 (batch, 1, 28, 28) with a symbolic
batch size, and returns (batch, classes) logits. How to prepare an image is written into the
model's metadata (metadata_props), so that any ONNX runtime can reproduce it and `ember predict
--onnx` needs nothing else: the dataset (which fixes the layout of the digit or garment in the
28x28 field, see ember/cli/images.py), the normalisation constants and the class names.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..autograd import no_grad
from ..tensor import Tensor
from .checkpoint import load_checkpoint, one_line, restore_model
from .data import DATASETS
from .errors import CLIError

__all__ = ["Classifier", "add_parser", "classifier"]

INPUT, OUTPUT = "image", "logits"
_PREFIX = "ember."


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "export", help="write a checkpoint's model as an ONNX file",
        description="Write the model of a checkpoint as an ONNX file, for ONNX Runtime or any "
                    "other ONNX runtime: input 'image', float32 (batch, 1, 28, 28), prepared as "
                    "`ember predict` prepares pictures; output 'logits', (batch, classes). The "
                    "preparation (dataset layout, normalisation, class names) is stored in the "
                    "model's metadata. The export is checked in ONNX Runtime against ember "
                    "before it is written. Needs the onnx extra: pip install 'ember[onnx]'.")
    p.add_argument("checkpoint", help="a checkpoint.safetensors written by `ember train`")
    p.add_argument("output", metavar="MODEL.onnx", help="the ONNX file to write")
    p.add_argument("--opset", type=int, default=None, metavar="N",
                   help="ONNX opset version (default: ember.onnx's, 20)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    onnx, _ = _onnx_packages()
    from .. import onnx as ember_onnx
    from ..onnx.model import write_model

    output = Path(args.output)
    if not output.parent.is_dir():
        raise CLIError(f"cannot write {output}: no directory {output.parent}")
    if output.is_dir():
        raise CLIError(f"cannot write {output}: it is a directory; name the .onnx file to write")
    ckpt = load_checkpoint(args.checkpoint)
    config = ckpt["config"]
    model = restore_model(ckpt, args.checkpoint)
    example = Tensor(np.zeros((2, 1, 28, 28), dtype=np.float32))
    try:
        proto = ember_onnx.export(model, example, None, input_names=[INPUT],
                                  output_names=[OUTPUT], opset_version=args.opset,
                                  dynamic_axes={INPUT: {0: "batch"}, OUTPUT: {0: "batch"}},
                                  check=True)
    except (ValueError, ember_onnx.OnnxExporterError) as e:
        raise CLIError(f"cannot export {args.checkpoint}: {one_line(e)}") from None
    info = DATASETS[config.dataset]
    metadata = {
        "dataset": config.dataset,
        "model": config.model,
        "classes": json.dumps(list(info.class_names)),
        "mean": repr(float(config.mean)),
        "std": repr(float(config.std)),
        "preprocessing": (
            f"input '{INPUT}': float32 (batch, 1, 28, 28); each image as {config.dataset} was "
            "prepared (grayscale, light content on black, cropped, scaled and centred in 28x28 "
            "as `ember predict` does), scaled to [0, 1], then normalised: (x - "
            f"{config.mean}) / {config.std}; output '{OUTPUT}': (batch, "
            f"{len(info.class_names)}) logits over the classes"),
    }
    for key, value in metadata.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = _PREFIX + key, value
    proto.doc_string = f"{config.describe()} trained by ember; {metadata['preprocessing']}"
    onnx.checker.check_model(proto)
    write_model(proto, output)
    print(f"wrote {output}: {config.describe()}, input {INPUT!r} (batch, 1, 28, 28), output "
          f"{OUTPUT!r} (batch, {len(info.class_names)}), opset "
          f"{proto.opset_import[0].version}; checked against ember in ONNX Runtime")
    return 0


@dataclass(frozen=True)
class Classifier:
    """What `ember predict` needs of a model: its dataset's layout, the normalisation, the class
    names, and probabilities for a batch of normalised (N, 1, 28, 28) float32 images."""

    dataset: str
    mean: float
    std: float
    class_names: tuple[str, ...]
    probabilities: Callable[[np.ndarray], np.ndarray]


def classifier(args: argparse.Namespace) -> Classifier:
    """`ember predict`'s model: a checkpoint's, or with --onnx an exported file's."""
    if args.onnx:
        return onnx_classifier(args.checkpoint)
    ckpt = load_checkpoint(args.checkpoint)
    config = ckpt["config"]
    model = restore_model(ckpt, args.checkpoint)
    model.eval()

    def probabilities(batch: np.ndarray) -> np.ndarray:
        with no_grad():
            return model(Tensor(batch)).softmax(dim=1).numpy()

    names = DATASETS[config.dataset].class_names
    return Classifier(config.dataset, config.mean, config.std, names, probabilities)


def onnx_classifier(path: str) -> Classifier:
    """A model written by `ember export`, run in ONNX Runtime."""
    onnx, _ = _onnx_packages()
    from ..onnx.verification import session

    if not Path(path).is_file():
        raise CLIError(f"{path} does not exist; pass the .onnx file `ember export` wrote")
    try:
        meta = {p.key[len(_PREFIX):]: p.value for p in onnx.load(path, load_external_data=False)
                .metadata_props if p.key.startswith(_PREFIX)}
        sess = session(path)
    except Exception as e:  # protobuf and onnxruntime raise their own types
        raise CLIError(f"{path} is not a readable ONNX model: {one_line(e)}") from None
    try:
        dataset, names = meta["dataset"], tuple(json.loads(meta["classes"]))
        mean, std = float(meta["mean"]), float(meta["std"])
    except (KeyError, ValueError):
        raise CLIError(f"{path} lacks the preprocessing metadata of `ember export` (dataset, "
                       "normalisation, classes); export the checkpoint with `ember export`"
                       ) from None
    if dataset not in DATASETS:
        raise CLIError(f"{path} was exported for dataset {dataset!r}, which this version of "
                       "ember does not know")

    def probabilities(batch: np.ndarray) -> np.ndarray:
        (logits,) = sess.run([OUTPUT], {INPUT: batch})
        return Tensor(logits).softmax(dim=1).numpy()

    return Classifier(dataset, mean, std, names, probabilities)


def _onnx_packages():
    try:
        import onnx
        import onnxruntime
    except ImportError:
        raise CLIError("ONNX export and inference need the onnx extra: pip install "
                       "'ember[onnx]' (onnx and onnxruntime)") from None
    return onnx, onnxruntime
