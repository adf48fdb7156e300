"""read_idx: valid files round-trip; damaged ones fail with one clear line naming the file."""

from __future__ import annotations

import gzip
import zlib

import numpy as np
import pytest

from ember.data import DatasetError, read_idx


@pytest.fixture
def images():
    return np.random.default_rng(1).integers(0, 256, size=(7, 28, 28), dtype=np.uint8)


@pytest.mark.parametrize("gz", [True, False])
def test_round_trip(tmp_path, idx_bytes, images, gz):
    data = idx_bytes(images)
    path = tmp_path / ("x-idx3-ubyte.gz" if gz else "x-idx3-ubyte")
    path.write_bytes(gzip.compress(data) if gz else data)
    out = read_idx(path, 3, "images", np.uint8)
    assert out.dtype == np.uint8 and out.shape == (7, 28, 28)
    np.testing.assert_array_equal(out, images)
    assert out.flags.writeable


def test_big_endian_types_become_native(tmp_path):
    values = np.array([1, -2, 70000], dtype=">i4")
    path = tmp_path / "ints-idx1"
    path.write_bytes(bytes([0, 0, 0x0C, 1]) + np.array([3], ">u4").tobytes() + values.tobytes())
    out = read_idx(path, 1)
    assert out.dtype == np.dtype("=i4")
    assert out.tolist() == [1, -2, 70000]


def _error(path, *args) -> str:
    with pytest.raises(DatasetError) as info:
        read_idx(path, *args)
    message = str(info.value)
    assert str(path) in message and "\n" not in message
    return message


@pytest.mark.parametrize("gz", [True, False])
def test_truncated_data(tmp_path, idx_bytes, images, gz):
    data = idx_bytes(images)[: 16 + 123]
    path = tmp_path / ("t.gz" if gz else "t")
    path.write_bytes(gzip.compress(data) if gz else data)
    message = _error(path, 3, "images")
    assert "is truncated: header says 7 images of 28x28 (5488 bytes)" in message
    assert "holds 123 bytes" in message
    assert "delete it and download again" in message


def test_truncated_gzip_stream_reports_its_size_and_what_it_still_holds(tmp_path, idx_bytes):
    images = np.tile(np.arange(28, dtype=np.uint8), (300, 28, 1))  # compresses well: 235 kB
    compressed = gzip.compress(idx_bytes(images))
    path = tmp_path / "cut.gz"
    path.write_bytes(compressed[: len(compressed) // 2])
    available = len(zlib.decompressobj(31).decompress(path.read_bytes())) - 16
    assert 0 < available < images.size
    message = _error(path, 3, "images")
    assert (f"is truncated: the file is {len(compressed) // 2} bytes, a gzip stream that ends "
            f"early, after {available} of the {images.size} bytes its header announces for 300 "
            "images of 28x28") in message


def test_gzip_missing_its_trailer(tmp_path, idx_bytes, images):
    path = tmp_path / "notrailer.gz"
    path.write_bytes(gzip.compress(idx_bytes(images))[:-8])
    message = _error(path, 3, "images")
    assert "is truncated: the file is" in message and "a gzip stream that ends early" in message


def test_gzip_cut_inside_the_header(tmp_path, idx_bytes, images):
    path = tmp_path / "cut.gz"
    path.write_bytes(gzip.compress(idx_bytes(images), compresslevel=0)[:20])
    assert "ends early, inside its IDX header" in _error(path, 3, "images")


def test_not_gzip(tmp_path, idx_bytes, images):
    path = tmp_path / "fake.gz"
    path.write_bytes(idx_bytes(images))  # raw bytes under a .gz name
    assert "is not a valid gzip file" in _error(path, 3, "images")


def test_corrupt_gzip_data(tmp_path, idx_bytes, images):
    compressed = bytearray(gzip.compress(idx_bytes(images)))
    compressed[20:40] = b"\xff" * 20
    path = tmp_path / "bad.gz"
    path.write_bytes(bytes(compressed))
    message = _error(path, 3, "images")
    assert "gzip" in message or "corrupt" in message or "truncated" in message


def test_extra_bytes(tmp_path, idx_bytes, images):
    path = tmp_path / "long"
    path.write_bytes(idx_bytes(images) + b"\0")
    assert "is corrupt: it holds more than the 5488 bytes" in _error(path, 3, "images")


@pytest.mark.parametrize(
    "magic, why",
    [
        (bytes([0, 0, 0x08, 1]), "labels file read as images"),
        (bytes([1, 0, 0x08, 3]), "non-zero leading bytes"),
        (bytes([0, 0, 0x07, 3]), "unknown type"),
        (bytes([0, 0, 0x0C, 3]), "int32 where uint8 is required"),
    ],
)
def test_bad_magic(tmp_path, idx_bytes, images, magic, why):
    path = tmp_path / "magic"
    path.write_bytes(magic + idx_bytes(images)[4:])
    message = _error(path, 3, "images", np.uint8)
    assert f"magic number 0x{magic.hex().upper()}" in message, why


@pytest.mark.parametrize("content", [b"", b"\0\0", bytes([0, 0, 8, 3, 0, 0])])
def test_truncated_header(tmp_path, content):
    path = tmp_path / "short"
    path.write_bytes(content)
    assert "is truncated" in _error(path, 3, "images")


@pytest.mark.parametrize("gz", [True, False])
def test_absurd_header_does_not_allocate(tmp_path, gz):
    data = bytes([0, 0, 8, 3]) + np.array([2**31, 2**20, 2**20], ">u4").tobytes() + b"\0" * 64
    path = tmp_path / ("huge.gz" if gz else "huge")
    path.write_bytes(gzip.compress(data) if gz else data)
    message = _error(path, 3, "images")
    assert "2147483648 images of 1048576x1048576" in message
