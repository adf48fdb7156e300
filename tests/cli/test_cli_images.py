"""The MNIST-style preparation of user pictures for `ember predict` (no model involved)."""

from __future__ import annotations

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
