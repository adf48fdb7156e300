"""Real trainings through the `ember` command, scored on the full test sets; and `predict` and
`evaluate` on the trained MNIST CNN. Slow (minutes in all), but part of the default run.

The recipes are in conftest.RECIPES; every run is seeded, so the accuracies are reproducible.
"""

from __future__ import annotations

import os
import re

import matplotlib
import pytest
from cli_helpers import read_metrics
from PIL import Image, ImageDraw, ImageFont

pytestmark = pytest.mark.slow

TARGETS = {
    ("mnist", "cnn"): 0.980,
    ("mnist", "mlp"): 0.960,
    ("fashion-mnist", "mlp"): 0.885,
    ("fashion-mnist", "cnn"): 0.910,
}


@pytest.mark.parametrize(("dataset", "model"), list(TARGETS))
def test_accuracy(trained, dataset, model):
    out = trained(dataset, model)
    final = read_metrics(out)[-1]
    accuracy = float(final["test_acc"])
    print(f"{dataset} {model}: {accuracy:.2%} after {final['epoch']} epochs")
    assert accuracy >= TARGETS[dataset, model]


def render_digit(digit: int, path, font: ImageFont.FreeTypeFont) -> None:
    """Black on white at a large size, as a digit typed into a paint program."""
    image = Image.new("RGB", (200, 200), "white")
    ImageDraw.Draw(image).text((100, 100), str(digit), font=font, fill="black", anchor="mm")
    image.save(path)


def predictions(cli, checkpoint, paths) -> list[int]:
    result = cli("predict", checkpoint, *paths)
    assert result.code == 0, result.err
    lines = result.out.strip().splitlines()
    assert len(lines) == len(paths)
    for line, path in zip(lines, paths):
        assert re.fullmatch(rf"{re.escape(str(path))}: \d \(\d+\.\d%\)", line), line
    return [int(line.rsplit(": ", 1)[1][0]) for line in lines]


def test_cnn_reads_font_digits_drawn_black_on_white(cli, trained, tmp_path):
    font_file = os.path.join(matplotlib.get_data_path(), "fonts", "ttf", "DejaVuSans.ttf")
    font = ImageFont.truetype(font_file, 150)
    paths = [tmp_path / f"digit{d}.png" for d in range(10)]
    for digit, path in enumerate(paths):
        render_digit(digit, path, font)
    predicted = predictions(cli, trained("mnist", "cnn") / "checkpoint.safetensors", paths)
    print("font digits read as", predicted)
    assert sum(p == d for d, p in enumerate(predicted)) >= 8


def test_cnn_reads_thin_pen_strokes_on_a_large_canvas(cli, trained, tmp_path):
    strokes = {  # a 4-pixel pen on 400x400, as drawn with a mouse
        1: [(170, 110), (210, 60), (210, 340)],
        4: [(240, 340), (240, 60), (100, 250), (300, 250)],
        7: [(110, 70), (290, 70), (170, 340)],
    }
    paths = []
    for digit, points in strokes.items():
        image = Image.new("L", (400, 400), 255)
        ImageDraw.Draw(image).line(points, fill=0, width=4)
        paths.append(tmp_path / f"pen{digit}.jpg")
        image.save(paths[-1], quality=90)
    predicted = predictions(cli, trained("mnist", "cnn") / "checkpoint.safetensors", paths)
    assert predicted == list(strokes)


def test_evaluate_reports_the_training_accuracy(cli, trained):
    out = trained("mnist", "cnn")
    result = cli("evaluate", out / "checkpoint.safetensors")
    assert result.code == 0, result.err
    final = float(read_metrics(out)[-1]["test_acc"])
    assert f"test accuracy: {final:.2%} ({round(final * 10000)}/10000)" in result.out
    per_class = re.findall(r"^  (\d) +(\d+\.\d\d)%  \((\d+)/(\d+)\)$", result.out, re.M)
    assert [int(c[0]) for c in per_class] == list(range(10))
    assert sum(int(c[3]) for c in per_class) == 10000
    assert sum(int(c[2]) for c in per_class) == round(final * 10000)
    matrix = re.findall(r"^ +(\d) +((?:\d+ +){9}\d+)$", result.out, re.M)
    assert len(matrix) == 10
    assert sum(sum(map(int, row.split())) for _, row in matrix) == 10000
