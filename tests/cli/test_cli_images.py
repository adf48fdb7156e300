"""The MNIST-style preparation of user pictures for `ember predict` (no model involved)."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
from PIL import Image, ImageDraw

from ember.cli.errors import CLIError
from ember.cli.images import LAYOUTS, read_grayscale, to_training_layout

MNIST = LAYOUTS["mnist"]
FASHION = LAYOUTS["fashion-mnist"]


def canvas(draw, size=(300, 200), background=255, mode="L") -> np.ndarray:
    image = Image.new(mode, size, background)
    draw(ImageDraw.Draw(image))
    return np.asarray(image.convert("L"), dtype=np.float32)


def bbox(field: np.ndarray) -> tuple[int, int]:
    rows = np.flatnonzero((field > 0.1).any(axis=1))
    cols = np.flatnonzero((field > 0.1).any(axis=0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def centre_of_mass(field: np.ndarray) -> tuple[float, float]:
    total = field.sum()
    return (field.sum(axis=1) @ np.arange(28) / total, field.sum(axis=0) @ np.arange(28) / total)


def test_dark_ink_on_white_is_inverted_cropped_scaled_and_centred_by_mass():
    # A thick bar, 120 tall and 40 wide, far off-centre on a white page.
    gray = canvas(lambda d: d.rectangle((10, 20, 49, 139), fill=0))
    field = to_training_layout(gray, MNIST)
    assert field.shape == (28, 28) and field.dtype == np.float32
    assert field.max() == pytest.approx(1.0) and field.min() == 0.0
    assert field[0].max() == 0 and field[:, 0].max() == 0  # background is black
    height, width = bbox(field)
    assert height == 20  # the longer side fills MNIST's 20-pixel box
    assert 6 <= width <= 8  # aspect kept: 40/120 of 20
    cy, cx = centre_of_mass(field)
    assert abs(cy - 13.5) <= 0.5 and abs(cx - 13.5) <= 0.5


def test_light_ink_on_dark_is_not_inverted():
    dark = canvas(lambda d: d.ellipse((100, 40, 200, 160), outline=255, width=14), background=0)
    light = canvas(lambda d: d.ellipse((100, 40, 200, 160), outline=0, width=14))
    np.testing.assert_allclose(to_training_layout(dark, MNIST), to_training_layout(light, MNIST),
                               atol=1e-5)


def test_grey_paper_and_faint_specks_do_not_count_as_ink():
    def draw(d):
        d.line((150, 30, 150, 170), fill=20, width=12)  # the digit, nearly black
        d.point((5, 5), fill=200)  # a speck barely darker than the paper, far from the digit

    field = to_training_layout(canvas(draw, background=210), MNIST)
    assert bbox(field)[0] == 20  # the speck did not stretch the bounding box


def test_centre_of_mass_not_bounding_box_is_centred_for_digits():
    # An L shape: its mass sits low and left of its box's centre.
    gray = canvas(lambda d: (d.rectangle((100, 20, 119, 180), fill=0),
                             d.rectangle((100, 160, 200, 180), fill=0)))
    cy, cx = centre_of_mass(to_training_layout(gray, MNIST))
    assert abs(cy - 13.5) <= 0.5 and abs(cx - 13.5) <= 0.5


def test_fashion_layout_fills_the_field_and_centres_the_box():
    gray = canvas(lambda d: d.rectangle((40, 30, 139, 179), fill=0))
    field = to_training_layout(gray, FASHION)
    assert bbox(field) == (28, 19)  # longer side 28 as in Fashion-MNIST; 100/150 of 28 wide


def test_thin_strokes_are_thickened_to_mnist_width_but_thick_ones_are_kept():
    thin = to_training_layout(canvas(lambda d: d.line((150, 10, 150, 190), fill=0, width=2)),
                              MNIST)
    assert 2 <= (thin > 0.5).sum(axis=1).max() <= 4  # a hairline after plain scaling, now ~2.5
    thick_source = canvas(lambda d: d.line((150, 10, 150, 190), fill=0, width=40))
    thick = to_training_layout(thick_source, MNIST)
    assert (thick > 0.5).sum(axis=1).max() >= 4  # 40/180 of 20 px: not thinned


def test_transparent_background_reads_as_white(tmp_path):
    image = Image.new("RGBA", (100, 100), (0, 0, 0, 0))  # transparent *black*
    ImageDraw.Draw(image).line((50, 10, 50, 90), fill=(0, 0, 0, 255), width=8)
    image.save(tmp_path / "drawing.png")
    gray = read_grayscale(tmp_path / "drawing.png")
    assert gray[0, 0] == 255 and gray[50, 50] == 0
    assert bbox(to_training_layout(gray, MNIST))[0] == 20


def test_blank_image_is_an_error():
    with pytest.raises(CLIError, match="blank.png is blank"):
        to_training_layout(canvas(lambda d: None), MNIST, source="blank.png")


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "no such image file"), (b"not an image at all", "not an image Pillow can read")],
)
def test_unreadable_files_are_errors(tmp_path, content, message):
    path = tmp_path / "digit.png"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CLIError, match=message):
        read_grayscale(path)


def test_truncated_png_is_an_error(tmp_path):
    path = tmp_path / "digit.png"
    Image.new("L", (64, 64), 128).save(path)
    path.write_bytes(path.read_bytes()[:60])
    with pytest.raises(CLIError, match="digit.png"):
        read_grayscale(path)


# ---- transparency: the background is what the visible pixels stand out from -------------------


def stroke_image(ink, background, mode):
    image = Image.new(mode, (120, 120), background)
    ImageDraw.Draw(image).line((40, 15, 80, 105), fill=ink, width=10)
    return image


@pytest.mark.parametrize(
    ("ink", "background", "mode"),
    [
        ((255, 255, 255, 255), (0, 0, 0, 0), "RGBA"),  # white on transparent (an HTML canvas)
        ((255, 255, 255, 255), (255, 255, 255, 0), "RGBA"),  # ... transparent *white*
        ((0, 0, 0, 255), (0, 0, 0, 0), "RGBA"),  # black on transparent
        ((20, 20, 200, 255), (255, 255, 255, 0), "RGBA"),  # dark blue on transparent
        ((255, 255), (0, 0), "LA"),  # white on transparent, grey with alpha
        (255, 0, "L"),  # white on black
        (0, 255, "L"),  # black on white
    ],
)
def test_every_ink_and_background_gives_the_same_digit(tmp_path, ink, background, mode):
    reference = to_training_layout(
        np.asarray(stroke_image(0, 255, "L"), dtype=np.float32), MNIST)
    stroke_image(ink, background, mode).save(tmp_path / "digit.png")
    field = to_training_layout(read_grayscale(tmp_path / "digit.png"), MNIST)
    assert np.abs(field - reference).max() < 0.05


def test_a_fully_transparent_image_is_blank(tmp_path):
    Image.new("RGBA", (50, 50), (255, 255, 255, 0)).save(tmp_path / "empty.png")
    with pytest.raises(CLIError, match="empty.png is blank"):
        to_training_layout(read_grayscale(tmp_path / "empty.png"), MNIST,
                           source=str(tmp_path / "empty.png"))


# ---- large pictures: decoded reduced, refused above a limit, in bounded memory -----------------


def bilevel_png(path, width, height):
    """A huge black-on-white PNG that is small on disk (and in memory: one bit a pixel)."""
    image = Image.new("1", (width, height), 1)
    ImageDraw.Draw(image).line((width // 2, height // 4, width // 2, 3 * height // 4), fill=0,
                               width=max(width // 40, 1))
    image.save(path)


@pytest.mark.parametrize(("width", "height", "message"), [
    (8000, 7000, "is too large: 8000x7000 pixels \\(56 megapixels\\); ember predict reads images "
                 "of up to 50 megapixels"),
    (11000, 10000, "is too large: 11000x10000 pixels"),  # where Pillow would warn
    (14000, 13000, "is too large: more than 178,956,970 pixels; ember predict reads images of "
                   "up to 50 megapixels"),  # where Pillow refuses
])
def test_pictures_above_the_limit_are_refused_before_decoding(tmp_path, width, height, message):
    path = tmp_path / "huge.png"
    bilevel_png(path, width, height)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no Pillow DecompressionBombWarning either
        with pytest.raises(CLIError, match=message):
            read_grayscale(path)


# The peak memory of this process: VmHWM starts afresh at exec (ru_maxrss would carry over the
# pytest process's own from the fork).
READ_AND_MEASURE = """
import re, sys
from ember.cli.images import read_grayscale
gray = read_grayscale(sys.argv[1])
with open("/proc/self/status") as f:
    peak_kib = int(re.search(r"VmHWM:\\s+(\\d+) kB", f.read()).group(1))
print(gray.shape[0], gray.shape[1], peak_kib // 1024)
"""


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="measures memory on Linux")
def test_a_large_picture_is_read_reduced_in_bounded_memory(tmp_path):
    path = tmp_path / "scan.png"
    bilevel_png(path, 7000, 6000)  # 42 megapixels: under the limit
    result = subprocess.run([sys.executable, "-c", READ_AND_MEASURE, str(path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    height, width, peak_mib = map(int, result.stdout.split())
    assert (height, width) == (1000, 1167)  # reduced 6-fold, to under 2048 pixels
    # the decoded image takes 42 MB; each float copy of it would take 170 (723 MiB in all before)
    assert peak_mib < 300, peak_mib


def test_a_large_jpeg_is_decoded_at_a_fraction_of_its_size(tmp_path):
    image = Image.new("L", (4096, 3072), 255)
    ImageDraw.Draw(image).ellipse((1500, 600, 2600, 2400), outline=0, width=150)
    image.save(tmp_path / "photo.jpg", quality=90)
    gray = read_grayscale(tmp_path / "photo.jpg")
    assert max(gray.shape) <= 2048  # JPEG's own reduced decoding (draft), not a resize after
    image.save(tmp_path / "photo.png")
    from_jpeg = to_training_layout(gray, MNIST)
    from_png = to_training_layout(read_grayscale(tmp_path / "photo.png"), MNIST)
    assert np.corrcoef(from_jpeg.ravel(), from_png.ravel())[0, 1] > 0.95
