"""Variable-length batches for the recurrent layers (torch.nn.utils.rnn): PackedSequence and the
functions that pack, pad and unpack.

A PackedSequence holds the steps of a batch of sequences sorted by decreasing length, time
major: `data` stacks, for each step t, the rows of the `batch_sizes[t]` sequences still running
(N rows in all, N the sum of the lengths). `sorted_indices` maps that order to the caller's.

Packing and padding gather rows (one differentiable indexing op each), so gradients flow back to
the padded tensor or the list of sequences.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import numpy as np

from ... import dtypes
from ...shapes import cat
from ...tensor import Tensor, _make

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence",
           "pad_sequence", "unpad_sequence", "pack_sequence", "unpack_sequence"]


class _PackedSequenceBase(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


class PackedSequence(_PackedSequenceBase):
    """torch.nn.utils.rnn.PackedSequence: (data, batch_sizes, sorted_indices,
    unsorted_indices). Made by pack_padded_sequence / pack_sequence, accepted by nn.RNN, nn.LSTM
    and nn.GRU in place of a padded input.

    Shape: data (N, *) with N = sum(batch_sizes); batch_sizes (T,) int64, non-increasing;
    sorted_indices and unsorted_indices (B,) int64 or None (already sorted).
    """

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:  # PackedSequence((data, batch_sizes), ...)
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise AssertionError("Expected data to be a list or tuple of length 2")
            data, batch_sizes = data
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs) -> PackedSequence:
        """data converted as Tensor.to; batch_sizes stays as it is (as in PyTorch)."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def cpu(self) -> PackedSequence:
        return self

    def cuda(self, *args, **kwargs) -> PackedSequence:
        return self.to("cuda")

    def pin_memory(self) -> PackedSequence:
        return self

    def double(self) -> PackedSequence:
        return self.to(dtype=dtypes.float64)

    def float(self) -> PackedSequence:
        return self.to(dtype=dtypes.float32)

    def half(self) -> PackedSequence:
        return self.to(dtype=dtypes.float16)

    def long(self) -> PackedSequence:
        return self.to(dtype=dtypes.int64)

    def int(self) -> PackedSequence:
        return self.to(dtype=dtypes.int32)

    def short(self) -> PackedSequence:
        return self.to(dtype=dtypes.int16)

    def char(self) -> PackedSequence:
        return self.to(dtype=dtypes.int8)

    def byte(self) -> PackedSequence:
        return self.to(dtype=dtypes.uint8)

    @property
    def is_cuda(self) -> bool:
        return False

    def is_pinned(self) -> bool:
        return False


def _int64(values) -> np.ndarray:
    if isinstance(values, Tensor):
        values = values._data
    return np.asarray(values).astype(np.int64).reshape(-1)


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The inverse of a permutation of 0..n-1 (None stays None)."""
    if permutation is None:
        return None
    order = _int64(permutation)
    inverse = np.empty_like(order)
    inverse[order] = np.arange(order.size)
    return _make(inverse, None)


def pack_padded_sequence(input: Tensor, lengths, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch (T, B, *) ((B, T, *) with batch_first) of sequences of the given
    lengths. With enforce_sorted, lengths must be non-increasing; otherwise the batch is sorted
    and the order kept in sorted_indices.

    Raises RuntimeError for lengths of the wrong count, unsorted (when enforced), below 1 or
    beyond T.
    """
    lengths = _int64(lengths)
    batch_dim = 0 if batch_first else 1
    if input.ndim < 2:
        raise RuntimeError(f"pack_padded_sequence: expected an input with at least 2 dims "
                           f"(T, B, *), got shape {tuple(input.shape)}")
    if lengths.size != input.shape[batch_dim]:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{lengths.size} (batch_size={input.shape[batch_dim]})")
    sorted_indices = None
    if enforce_sorted:
        if np.any(lengths[1:] > lengths[:-1]):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
                "pack_sequence to sidestep this requirement if you do not need ONNX "
                "exportability.")
        order = np.arange(lengths.size)
    else:
        order = np.argsort(-lengths, kind="stable")
        sorted_indices = _make(order, None)
        lengths = lengths[order]
    if lengths.size and lengths.min() <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element "
                           "in 'lengths' that is <= 0")
    steps = input.shape[1 - batch_dim]
    if lengths.size and lengths.max() > steps:
        raise RuntimeError(f"pack_padded_sequence: a length of {lengths.max()} exceeds the "
                           f"{steps} steps of the input of shape {tuple(input.shape)}")
    batch_sizes = (lengths[None, :] > np.arange(lengths.max() if lengths.size else 0)[:, None])
    batch_sizes = batch_sizes.sum(axis=1)
    time_index = np.repeat(np.arange(batch_sizes.size), batch_sizes)
    batch_index = order[np.concatenate([np.arange(b) for b in batch_sizes] or [[]]).astype(
        np.int64)]
    index = (batch_index, time_index) if batch_first else (time_index, batch_index)
    return PackedSequence(input[index], _make(batch_sizes.astype(np.int64), None), sorted_indices,
                          None)


def _padding_row(like: Tensor, padding_value: float) -> Tensor:
    """One row of padding_value shaped like a row of `like` (whose dim 0 runs over steps)."""
    return _make(np.full((1,) + tuple(like.shape[1:]), padding_value, dtype=like._data.dtype), None)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple[Tensor, Tensor]:
    """The inverse of pack_padded_sequence: (padded (T, B, *) or (B, T, *), lengths (B,) int64),
    in the order the sequences had before packing. T is the longest length, or total_length."""
    data, batch_sizes = sequence.data, _int64(sequence.batch_sizes)
    steps = batch_sizes.size
    if total_length is not None:
        if total_length < steps:
            raise ValueError(f"Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and max "
                             f"sequence length being {steps}")
        steps = total_length
    batch = int(batch_sizes[0]) if batch_sizes.size else 0
    # row of data for (t, b) in sorted order; N (the padding row) where sequence b has ended
    starts = np.concatenate([[0], np.cumsum(batch_sizes)[:-1]])
    rows = np.full((steps, batch), data.shape[0], dtype=np.int64)
    for t, (start, size) in enumerate(zip(starts, batch_sizes)):
        rows[t, :size] = start + np.arange(size)
    lengths = (rows < data.shape[0]).sum(axis=0)
    if sequence.unsorted_indices is not None:
        unsorted = _int64(sequence.unsorted_indices)
        rows, lengths = rows[:, unsorted], lengths[unsorted]
    padded = cat([data, _padding_row(data, padding_value)])[rows.T if batch_first else rows]
    return padded, _make(lengths.astype(np.int64), None)


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack sequences of shape (L_i, *) into (T, B, *) ((B, T, *) with batch_first), T the
    longest L_i, filling with padding_value after each (padding_side='left': before)."""
    if isinstance(sequences, Tensor):
        sequences = list(sequences.unbind(0))
    elif not isinstance(sequences, Iterable):
        raise RuntimeError(f"pad_sequence: Expected iterable for input sequences, but got arg "
                           f"of type: {type(sequences)}")
    sequences = list(sequences)
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got "
                           f"{padding_side}.")
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    trailing = tuple(sequences[0].shape[1:])
    for s in sequences:
        if tuple(s.shape[1:]) != trailing:
            raise RuntimeError(f"pad_sequence: every sequence must have the trailing shape "
                               f"{trailing} of the first, got {tuple(s.shape)}")
    lengths = np.array([s.shape[0] for s in sequences], dtype=np.int64)
    steps, total = int(lengths.max()), int(lengths.sum())
    flat = cat(sequences + [_padding_row(sequences[0], padding_value)])
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    rows = np.full((steps, len(sequences)), total, dtype=np.int64)
    for b, (start, length) in enumerate(zip(starts, lengths)):
        offset = 0 if padding_side == "right" else steps - length
        rows[offset:offset + length, b] = start + np.arange(length)
    return flat[rows.T if batch_first else rows]


def unpad_sequence(padded_sequences: Tensor, lengths, batch_first: bool = False) -> list[Tensor]:
    """The sequences of a padded batch, each cut to its length."""
    lengths = _int64(lengths)
    batch_major = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    return [batch_major[b, :int(n)] for b, n in enumerate(lengths)]


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences (L_i, *); with enforce_sorted, longest first."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The list of sequences a PackedSequence holds, in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
