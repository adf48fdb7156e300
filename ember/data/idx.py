"""Reader for the IDX format of MNIST-style datasets, gzipped or raw, with strict checks.

IDX layout: 2 zero bytes, a type byte, a byte giving the number of dimensions, then one big-endian
uint32 per dimension, then the values in C order. A damaged file must fail with a one-line error
that names the file and says what is wrong, never with a NumPy reshape error or a silent short
array: a truncated download is the usual cause.
"""

from __future__ import annotations

import gzip
import math
import os
import zlib
from pathlib import Path

import numpy as np

__all__ = ["DatasetError", "DatasetNotFoundError", "read_idx"]

# IDX type byte -> big-endian NumPy dtype.
_IDX_TYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_REDOWNLOAD = "delete it and download again"
_MAX_DEFLATE_RATIO = 1032


class DatasetError(RuntimeError):
    """A dataset file is missing, damaged or could not be downloaded."""


class DatasetNotFoundError(DatasetError):
    """A dataset's files are in none of the places searched (`searched`), and were not to be
    downloaded."""

    def __init__(self, message: str, searched: list[Path]) -> None:
        super().__init__(message)
        self.searched = searched


def read_idx(
    path: str | os.PathLike, ndim: int, kind: str = "items", dtype: np.dtype | None = None
) -> np.ndarray:
    """The array stored in the IDX file at `path` (gzipped when the name ends in .gz).

    `ndim` is the number of dimensions the caller expects (3 for images, 1 for labels) and
    `dtype`, when given, the value type; `kind` names the items along the first dimension in
    error messages ("images", "labels").
    """
    path = Path(path)
    gzipped = path.suffix == ".gz"
    try:
        with (gzip.open if gzipped else open)(path, "rb") as f:
            return _read(f, path, gzipped, ndim, kind, None if dtype is None else np.dtype(dtype))
    except EOFError:
        raise DatasetError(
            f"{path} is truncated: the file is {path.stat().st_size} bytes, a gzip stream that "
            f"ends early, inside its IDX header; {_REDOWNLOAD}"
        ) from None
    except (gzip.BadGzipFile, zlib.error) as e:
        raise DatasetError(f"{path} is not a valid gzip file ({e}); {_REDOWNLOAD}") from None


def _read(
    f, path: Path, gzipped: bool, ndim: int, kind: str, dtype: np.dtype | None
) -> np.ndarray:
    magic = f.read(4)
    if len(magic) < 4:
        raise DatasetError(
            f"{path} is truncated: it holds {len(magic)} bytes, less than an IDX header; "
            f"{_REDOWNLOAD}"
        )
    zeros, type_byte, file_ndim = magic[:2], magic[2], magic[3]
    file_dtype = _IDX_TYPES.get(type_byte)
    if (
        zeros != b"\0\0"
        or file_dtype is None
        or file_ndim != ndim
        or (dtype is not None and file_dtype.newbyteorder("=") != dtype)
    ):
        wanted = f"{dtype} values" if dtype is not None else "values"
        raise DatasetError(
            f"{path} is not an IDX file of {kind}: magic number 0x{magic.hex().upper()}, "
            f"expected one for {wanted} in {ndim} dimensions; {_REDOWNLOAD}"
        )
    header = 4 + 4 * ndim
    dims_raw = f.read(4 * ndim)
    if len(dims_raw) < 4 * ndim:
        raise DatasetError(f"{path} is truncated inside its {header}-byte header; {_REDOWNLOAD}")
    shape = tuple(int(d) for d in np.frombuffer(dims_raw, dtype=">u4"))
    nbytes = math.prod(shape) * file_dtype.itemsize  # Python ints: no overflow
    truncated = (
        f"{path} is truncated: header says {_describe(shape, kind)} ({nbytes} bytes) but the "
        f"file holds {{}} bytes after its {header}-byte header; {_REDOWNLOAD}"
    )
    # Check the size before allocating, so a corrupt header cannot ask for terabytes. Deflate
    # expands at most 1032-fold, which bounds what a gzip file can hold.
    file_size = path.stat().st_size
    if not gzipped and header + nbytes > file_size:
        raise DatasetError(truncated.format(file_size - header))
    if gzipped and nbytes > file_size * _MAX_DEFLATE_RATIO:
        raise DatasetError(
            f"{path} is corrupt: header says {_describe(shape, kind)} ({nbytes} bytes), more "
            f"than a {file_size}-byte gzip file can hold; {_REDOWNLOAD}"
        )
    raw = np.empty(nbytes, dtype=np.uint8)
    got, cut = _read_into(f, memoryview(raw))
    if cut:
        raise DatasetError(
            f"{path} is truncated: the file is {file_size} bytes, a gzip stream that ends early, "
            f"after {got} of the {nbytes} bytes its header announces for "
            f"{_describe(shape, kind)}; {_REDOWNLOAD}"
        )
    if got < nbytes:
        raise DatasetError(truncated.format(got))
    if f.read(1):
        raise DatasetError(
            f"{path} is corrupt: it holds more than the {nbytes} bytes its header announces "
            f"for {_describe(shape, kind)}; {_REDOWNLOAD}"
        )
    out = raw.view(file_dtype).reshape(shape)
    # Multi-byte IDX types are big-endian; computing on them would be slow, so go native once.
    return out if file_dtype.itemsize == 1 else out.astype(file_dtype.newbyteorder("="))


def _read_into(f, view: memoryview) -> tuple[int, bool]:
    """Fill `view` from `f`: how many bytes there were, and whether the data ended because a gzip
    stream was cut short. Reading piece by piece (read1) keeps the count of what came before."""
    total = 0
    while total < len(view):
        try:
            piece = f.read1(len(view) - total)
        except EOFError:
            return total, True
        if not piece:
            break
        view[total : total + len(piece)] = piece
        total += len(piece)
    return total, False


def _describe(shape: tuple[int, ...], kind: str) -> str:
    if len(shape) == 1:
        return f"{shape[0]} {kind}"
    return f"{shape[0]} {kind} of {'x'.join(str(d) for d in shape[1:])}"
